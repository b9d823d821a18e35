import { DEFAULT_TARGET } from '../../shared/compiler/target';
import type { Target } from '../../shared/compiler/target';
import type { Isolation, Privilege } from '../../shared/compiler/plan';
import type { Arch } from '../../shared/model';
import { probeQemu } from '../engine/probe-qemu';
import { probeNicModels } from '../engine/probe-nic-models';
import type { Topology } from '../../shared/model';
import { defaultStateDir, shortStateDir, tinyGuestPaths } from '../engine/host-paths';
import { probeHostInterfaces } from '../engine/host-interfaces';
import { checkPrivateDir } from '../engine/state-dir';
import { existsSync } from 'node:fs';
import { UsageError } from './usage';
import { checkFlag } from './flags';
import type { Io } from './usage';

export const TARGET_OPTIONS = {
  'qemu-version': { type: 'string' },
  privilege: { type: 'string' },
  isolation: { type: 'string' },
  'state-dir': { type: 'string' },
  accel: { type: 'string' },
} as const;

export const TARGET_HELP = `  --qemu-version X.Y   compile for this QEMU (default: the installed qemu-system-x86_64, else 7.2)
  --privilege MODE     root (create bridges and taps; scripts use sudo), helper (qemu-bridge-helper) or user
                       (default: root)
  --isolation MODE     host, or netns: the lab's bridges, taps and guests in a network namespace of their own
                       (default: host)
  --state-dir DIR      where labs keep sockets, logs and pidfiles (default: $QNET_STATE_DIR, else /run/qnet for
                       root, else $XDG_RUNTIME_DIR/qnet, else ~/.qnet); yours alone, or the launch refuses it
  --accel kvm|tcg      what VMs with accel: auto run on (default: tcg; the engine probes KVM, compile does not)`;

const ARCHES: Arch[] = ['x86_64', 'i386', 'aarch64', 'arm', 'riscv64'];

/**
 * Builds the compile target from command-line options. Without --qemu-version it probes the installed QEMU: its
 * version, its netdev backends and, for the machines the topology uses, its NIC models.
 */
export function targetFromOptions(
  values: { 'qemu-version'?: string; privilege?: string; isolation?: string; 'state-dir'?: string; accel?: string },
  usage: string,
  io: Io,
  topology?: Topology,
): Target {
  const privilege = values.privilege ?? 'root';
  const isolation = values.isolation ?? 'host';
  checkFlag('privilege', privilege, usage);
  checkFlag('isolation', isolation, usage);
  const accel = values.accel ?? 'tcg';
  if (!['kvm', 'tcg'].includes(accel)) throw new UsageError(`--accel must be kvm or tcg (got "${accel}")`, usage);
  let qemuVersion = DEFAULT_TARGET.qemuVersion;
  let netdevBackends: readonly string[] | null = null;
  let nicModels: Record<string, string[]> | undefined;
  if (values['qemu-version'] !== undefined) {
    const m = /^(\d+)\.(\d+)$/.exec(values['qemu-version']);
    if (!m) throw new UsageError(`--qemu-version must look like 7.2 (got "${values['qemu-version']}")`, usage);
    qemuVersion = { major: Number(m[1]), minor: Number(m[2]) };
  } else {
    const probe = probeQemu();
    if (probe.version) {
      qemuVersion = { major: probe.version.major, minor: probe.version.minor };
      netdevBackends = probe.netdevBackends;
      if (topology) nicModels = probeNicModels(topology);
    } else {
      io.err(
        `qnet: note: ${probe.binary} not found; compiling for QEMU ${qemuVersion.major}.${qemuVersion.minor} (use --qemu-version)\n`,
      );
    }
  }
  const given = values['state-dir'] ?? defaultStateDir();
  checkFlag('stateDir', given, usage);
  // Its real path when it exists: the exported up.sh refuses a state directory reached through a symlink.
  const real = checkPrivateDir(given);
  const stateDir = real.ok ? real.path : given;
  return {
    ...DEFAULT_TARGET,
    qemuVersion,
    netdevBackends,
    ...(nicModels ? { nicModels } : {}),
    vhostNet: existsSync('/dev/vhost-net'),
    kvm: accel === 'kvm',
    privilege: privilege as Privilege,
    isolation: isolation as Isolation,
    stateDir,
    tinyGuest: Object.fromEntries(ARCHES.map((arch) => [arch, tinyGuestPaths(arch)])),
    hostInterfaces: probeHostInterfaces(),
    shortStateDir: shortStateDir(),
  };
}
