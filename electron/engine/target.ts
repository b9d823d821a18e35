/**
 * The compile target of this machine: the installed QEMU (version, netdev backends, NIC models per machine the
 * topology uses), /dev/vhost-net, KVM as probed (never from /dev/kvm's existence), the tiny guest's paths.
 * The engine compiles with it at launch; the CLI can share it.
 */
import { existsSync } from 'node:fs';
import type { Isolation, Privilege } from '../../shared/compiler/plan';
import { DEFAULT_TARGET, type Target } from '../../shared/compiler/target';
import type { Arch, Topology } from '../../shared/model';
import { standardQemu } from '../../shared/model/trust';
import { probeHostInterfaces } from './host-interfaces';
import { defaultStateDir, shortStateDir, tinyGuestPaths } from './host-paths';
import { probeKvm, type KvmProbe } from './kvm';
import { probeNicModels } from './probe-nic-models';
import { probeQemu } from './probe-qemu';

export interface ProbeTargetOptions {
  readonly privilege?: Privilege;
  readonly isolation?: Isolation;
  readonly stateDir?: string;
  /** Tiny guest kernel/initramfs per arch; default the user's cache (`qnet guest build`). */
  readonly tinyGuest?: Target['tinyGuest'];
  /** Skip probing KVM and use this answer (e.g. tests, or a user setting "never use KVM"). */
  readonly kvm?: KvmProbe;
  readonly env?: NodeJS.ProcessEnv;
}

export interface ProbedTarget {
  readonly target: Target;
  readonly kvm: KvmProbe;
  /** Notes for the lab's log (e.g. QEMU not found, so the default version is assumed). */
  readonly notes: readonly string[];
}

const ARCHES: Arch[] = ['x86_64', 'i386', 'aarch64', 'arm', 'riscv64'];

/** Probes this machine for compiling `topology`; never throws (unknowns fall back to the compiler's defaults). */
export async function probeTarget(topology: Topology, options: ProbeTargetOptions = {}): Promise<ProbedTarget> {
  const env = options.env ?? process.env;
  const notes: string[] = [];
  const firstVm = topology.nodes.find((n) => n.kind === 'vm');
  // The installed QEMU of the first VM's arch, never a `binary` the file names (that runs only at launch).
  const binary = firstVm?.kind === 'vm' ? standardQemu(firstVm.arch) : 'qemu-system-x86_64';
  let probe = probeQemu(binary);
  if (!probe.version && binary !== 'qemu-system-x86_64') probe = probeQemu('qemu-system-x86_64');
  let qemuVersion = DEFAULT_TARGET.qemuVersion;
  let netdevBackends: readonly string[] | null = null;
  let nicModels: Record<string, string[]> | undefined;
  if (probe.version) {
    qemuVersion = { major: probe.version.major, minor: probe.version.minor };
    netdevBackends = probe.netdevBackends;
    nicModels = probeNicModels(topology);
  } else {
    notes.push(`${binary} not found: compiling for QEMU ${qemuVersion.major}.${qemuVersion.minor}`);
  }
  const tinyGuest = options.tinyGuest ?? Object.fromEntries(ARCHES.map((arch) => [arch, tinyGuestPaths(arch, env)]));
  const x86 = tinyGuest.x86_64;
  const kvm = options.kvm ?? (await probeKvm({ kernel: x86?.kernel, initrd: x86?.initrd, env }));
  if (!kvm.usable) notes.push(`KVM not usable (${kvm.reason}): guests with accel auto use TCG`);
  const target: Target = {
    ...DEFAULT_TARGET,
    qemuVersion,
    netdevBackends,
    ...(nicModels ? { nicModels } : {}),
    vhostNet: existsSync('/dev/vhost-net'),
    kvm: kvm.usable,
    privilege: options.privilege ?? 'root',
    isolation: options.isolation ?? 'host',
    stateDir: options.stateDir ?? defaultStateDir(env),
    tinyGuest,
    hostInterfaces: probeHostInterfaces(),
    shortStateDir: shortStateDir(env),
  };
  return { target, kvm, notes };
}
