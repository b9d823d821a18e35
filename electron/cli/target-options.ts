/**
 * The compile target of the command line: this host probed as the engine probes it (probeHost) and the flags on
 * top, assembled by the same pure function as the engine's, the server's and the page's (assembleTarget).
 */
import type { Isolation, Privilege } from '../../shared/compiler/plan';
import {
  assembleTarget,
  targetNotes,
  type HostProbe,
  type Target,
  type TargetOptions,
} from '../../shared/compiler/target';
import { machinePairs } from '../../shared/compiler/machine';
import type { Topology } from '../../shared/model';
import { probeHost, realStateDir, type ProbeHostOptions } from '../engine/host-probe';
import type { KvmProbe } from '../engine/kvm';
import { defaultStateDir } from '../engine/host-paths';
import { UsageError } from './usage';
import { chosenQemu } from '../qemu/chosen';
import { QemuChoiceError, resolveQemuInstall } from '../qemu/install';
import type { ChosenQemu } from '../../shared/compiler/target';
import { checkFlag } from './flags';
import type { Io } from './usage';

export const TARGET_OPTIONS = {
  qemu: { type: 'string' },
  'qemu-version': { type: 'string' },
  privilege: { type: 'string' },
  isolation: { type: 'string' },
  'state-dir': { type: 'string' },
  accel: { type: 'string' },
} as const;

export const TARGET_HELP = `  --qemu DIR|BINARY    the QEMU to probe and run instead of the installed one: a qemu-system-<arch> binary, a
                       directory of them, an install prefix, or one qnet qemu fetch unpacked
                       (~/.cache/qnet/qemu/10.0)
  --qemu-version X.Y   compile for this QEMU (default: the installed qemu-system-x86_64, else 7.2)
  --privilege MODE     root (create bridges and taps; scripts use sudo), helper (qemu-bridge-helper) or user
                       (default: root)
  --isolation MODE     userns: the lab's bridges, taps and guests in a user + network namespace of its own, no
                       root; netns: in a network namespace root makes; host: on the host's network (default:
                       userns, unless the lab reaches a host interface or bridge: then host)
  --state-dir DIR      where labs keep sockets, logs and pidfiles (default: $QNET_STATE_DIR, else /run/qnet for
                       root, else $XDG_RUNTIME_DIR/qnet, else ~/.qnet); yours alone, or the launch refuses it
  --accel kvm|tcg      what VMs with accel: auto run on (default: kvm where a test boot finds it usable, as a
                       launch does)`;

type TargetValues = {
  qemu?: string;
  'qemu-version'?: string;
  privilege?: string;
  isolation?: string;
  'state-dir'?: string;
  accel?: string;
};

/** What a command may be given instead of this host's own probe (a test's stand-in answers). */
export interface TargetDeps {
  readonly probeHost?: (options: ProbeHostOptions) => Promise<HostProbe>;
}

/** The flags' choices, and how to probe this host for them (no QEMU asked with --qemu-version, KVM's answer from --accel). */
export interface CliTarget {
  readonly options: TargetOptions & { readonly stateDir: string };
  /** Probes this host for the pairs; `chosen` (a QEMU the editor chose) is asked instead of --qemu's or the installed one. */
  readonly probe: (pairs: readonly string[], chosen?: ChosenQemu) => Promise<HostProbe>;
  /** KVM's answer as --accel gives it, if it does. */
  readonly kvm?: KvmProbe;
  /** The QEMU --qemu chose, if it did: probed instead of the installed one, and what the lab runs. */
  readonly chosenQemu?: ChosenQemu;
}

/** The QEMU `--qemu DIR|BINARY` names, read as a launch runs it; undefined without the flag; a UsageError if unusable. */
export function qemuChoice(value: string | undefined, usage: string): ChosenQemu | undefined {
  if (value === undefined) return undefined;
  try {
    return chosenQemu(resolveQemuInstall(value));
  } catch (error) {
    if (error instanceof QemuChoiceError) throw new UsageError(`--qemu: ${error.message}`, usage);
    throw error;
  }
}

/** Checks the target flags; a bad one is a UsageError naming it. */
export function cliTarget(values: TargetValues, usage: string, deps: TargetDeps = {}): CliTarget {
  const privilege = values.privilege ?? 'root';
  const isolation = values.isolation;
  checkFlag('privilege', privilege, usage);
  if (isolation !== undefined) checkFlag('isolation', isolation, usage);
  const accel = values.accel;
  if (accel !== undefined && accel !== 'kvm' && accel !== 'tcg')
    throw new UsageError(`--accel must be kvm or tcg (got "${accel}")`, usage);
  let qemuVersion: TargetOptions['qemuVersion'];
  if (values['qemu-version'] !== undefined) {
    const m = /^(\d+)\.(\d+)$/.exec(values['qemu-version']);
    if (!m) throw new UsageError(`--qemu-version must look like 7.2 (got "${values['qemu-version']}")`, usage);
    qemuVersion = { major: Number(m[1]), minor: Number(m[2]) };
  }
  if (values.qemu !== undefined && qemuVersion)
    throw new UsageError(
      '--qemu and --qemu-version exclude each other: --qemu asks the chosen QEMU its version',
      usage,
    );
  const chosen = qemuChoice(values.qemu, usage);
  const given = values['state-dir'] ?? defaultStateDir();
  checkFlag('stateDir', given, usage);
  const options = {
    privilege: privilege as Privilege,
    ...(isolation !== undefined ? { isolation: isolation as Isolation } : {}),
    stateDir: realStateDir(given),
    ...(qemuVersion ? { qemuVersion } : {}),
  };
  const probe = deps.probeHost ?? probeHost;
  const kvm = accel === undefined ? undefined : { usable: accel === 'kvm', reason: `--accel ${accel}` };
  return {
    options,
    probe: (pairs, other) =>
      probe({
        pairs,
        qemu: qemuVersion === undefined || other !== undefined,
        ...(kvm ? { kvm } : {}),
        ...((other ?? chosen) ? { chosenQemu: other ?? chosen } : {}),
      }),
    ...(kvm ? { kvm } : {}),
    ...(chosen ? { chosenQemu: chosen } : {}),
  };
}

/** The compile target of the command line for a topology (the machines it uses are the ones probed). */
export async function targetFromOptions(
  values: TargetValues,
  usage: string,
  io: Io,
  topology?: Topology,
  deps: TargetDeps = {},
): Promise<Target> {
  const t = cliTarget(values, usage, deps);
  const probe = await t.probe(topology ? machinePairs(topology) : []);
  const note = targetNotes(probe, t.options).qemu;
  if (note !== undefined) io.err(`qnet: note: ${note} (use --qemu-version)\n`);
  return assembleTarget(probe, t.options, topology);
}
