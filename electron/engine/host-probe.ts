/**
 * probeHost: what this machine offers a lab, as the plain data assembleTarget (shared/compiler/target.ts) turns
 * into the compile target: each architecture's installed QEMU (version, netdev backends) and its NIC models per
 * machine, /dev/vhost-net, KVM as a test boot finds it (never from /dev/kvm's existence), the tiny guest's paths,
 * the interfaces, this user's state directories. The engine, the CLI, `qnet serve` and the desktop window all
 * probe with it. The standard `qemu-system-<arch>`, or the QEMU the user chose (`--qemu`), which the target then
 * runs: a VM's own `binary` runs only at launch, after trust.
 */
import { existsSync } from 'node:fs';
import type { ChosenQemu, HostProbe, QemuBinaryProbe } from '../../shared/compiler/target';
import { Arch } from '../../shared/model/schema';
import { standardQemu } from '../../shared/model/trust';
import { probeHostInterfaces } from './host-interfaces';
import { defaultStateDir, shortStateDir, tinyGuestPaths } from './host-paths';
import { probeKvm, type KvmProbe } from './kvm';
import { parsePair, probeNicModels } from './probe-nic-models';
import { probeIfb } from './probe-ifb';
import { probeNetem } from './probe-netem';
import { probeQemu } from './probe-qemu';
import { checkPrivateDir } from './state-dir';

export interface ProbeHostOptions {
  /** The `<arch>/<machine>` pairs whose NIC models to ask (`machinePairs` of a topology); their QEMU is asked too. */
  readonly pairs?: readonly string[];
  /** Ask QEMU at all (false when the user named the version to compile for: nothing QEMU says is used then). */
  readonly qemu?: boolean;
  /** The QEMU the user chose (`--qemu`): its binaries are asked instead of the installed ones. */
  readonly chosenQemu?: ChosenQemu;
  /** KVM's answer instead of a test boot (a test, or `--accel`, the user's own answer). */
  readonly kvm?: KvmProbe;
  /** The tiny guest per arch; default the user's cache (`qnet guest build`). */
  readonly tinyGuest?: HostProbe['tinyGuest'];
  readonly env?: NodeJS.ProcessEnv;
}

/** Node's name of this machine's architecture, as QEMU names it. */
const HOST_ARCH: Readonly<Record<string, Arch>> = {
  x64: 'x86_64',
  ia32: 'i386',
  arm64: 'aarch64',
  arm: 'arm',
  riscv64: 'riscv64',
  ppc64: 'ppc64',
};

function qemuOf(arch: Arch, chosen?: ChosenQemu): QemuBinaryProbe {
  const own = chosen?.binaries[arch];
  const p = own ? probeQemu(own, chosen?.env) : probeQemu(standardQemu(arch));
  return { binary: p.binary, version: p.version, netdevBackends: p.netdevBackends };
}

/**
 * A state directory as a target names it: its real path when it exists (the exported up.sh refuses one reached
 * through a symlink, and the engine compiles with the real path), else as given.
 */
export function realStateDir(given: string): string {
  const r = checkPrivateDir(given);
  return r.ok ? r.path : given;
}

/** What the kernel offers link shaping: netem, and the ifb that shapes what a guest sends. */
function shapingOf(env: NodeJS.ProcessEnv): { netem?: boolean; ifb?: boolean } {
  const netem = probeNetem(env);
  const ifb = probeIfb(env);
  return { ...(netem === undefined ? {} : { netem }), ...(ifb === undefined ? {} : { ifb }) };
}

/** Probes this machine (answers cached per process where asking costs a spawn); never throws. */
export async function probeHost(options: ProbeHostOptions = {}): Promise<HostProbe> {
  const env = options.env ?? process.env;
  const pairs = (options.pairs ?? []).flatMap((p) => parsePair(p) ?? []);
  const qemu: HostProbe['qemu'] = {};
  const nicModels: Record<string, readonly string[]> = {};
  if (options.qemu !== false) {
    // x86_64's QEMU is the one a target reports when installed; each other arch a pair names is asked too.
    const chosen = options.chosenQemu;
    for (const arch of new Set<Arch>(['x86_64', ...pairs.map((p) => p.arch)])) qemu[arch] = qemuOf(arch, chosen);
    for (const { arch, machine } of pairs) {
      if (qemu[arch]?.version == null) continue;
      const models = probeNicModels(arch, machine, chosen);
      if (models.length > 0) nicModels[`${arch}/${machine}`] = models;
    }
  }
  const tinyGuest =
    options.tinyGuest ?? Object.fromEntries(Arch.options.map((arch) => [arch, tinyGuestPaths(arch, env)]));
  const x86 = tinyGuest.x86_64;
  const kvm = options.kvm ?? (await probeKvm({ kernel: x86?.kernel, initrd: x86?.initrd, env }));
  return {
    qemu,
    ...(options.chosenQemu && options.qemu !== false ? { chosenQemu: options.chosenQemu } : {}),
    nicModels,
    kvm,
    ...(HOST_ARCH[process.arch] ? { hostArch: HOST_ARCH[process.arch] } : {}),
    vhostNet: existsSync('/dev/vhost-net'),
    ...shapingOf(env),
    tinyGuest,
    hostInterfaces: probeHostInterfaces(),
    stateDir: defaultStateDir(env),
    shortStateDir: shortStateDir(env),
  };
}
