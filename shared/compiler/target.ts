import { Arch, type Topology } from '../model/schema';
import { defaultIsolation } from './isolation';
import type { Isolation, Privilege } from './plan';

/** An interface of the machine the lab is compiled on, as discovered there. */
export interface HostInterface {
  readonly name: string;
  /** A wireless interface cannot join a bridge. */
  readonly wireless: boolean;
  /** Its addresses, CIDR. */
  readonly addresses: readonly string[];
}

/** A QEMU the user chose: what the compiler needs to run its binaries (found by the CLI or the engine). */
export interface ChosenQemu {
  readonly binaries: Partial<Record<Arch, string>>;
  readonly dataDirs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** What a lab is compiled for: the QEMU found, the privilege and isolation asked for, where state lives. */
export interface Target {
  readonly qemuVersion: { readonly major: number; readonly minor: number };
  readonly privilege: Privilege;
  readonly isolation: Isolation;
  /** Base state directory; the lab gets `<stateDir>/<lab>`. */
  readonly stateDir: string;
  /** `-netdev help` of the installed QEMU; null when unknown (then every backend is assumed present). */
  readonly netdevBackends: readonly string[] | null;
  /**
   * NIC models the installed QEMU offers per `<arch>/<machine>` (from `-M MACHINE -nic model=help`); a missing key
   * means unknown, and then any model is accepted. A plan keeps those of the machines its VMs use.
   */
  readonly nicModels?: Readonly<Record<string, readonly string[]>>;
  /** /dev/vhost-net usable; false means tap `vhost=on` must not be emitted (QEMU 7.2 aborts without it). */
  readonly vhostNet?: boolean;
  /** Whether the kernel has the netem qdisc (sch_netem), for delay/jitter/loss/duplication; absent: unknown. */
  readonly netem?: boolean;
  /**
   * Whether the kernel can redirect a tap's ingress to an ifb (modules ifb, cls_u32, act_mirred), which shaping what a
   * guest sends needs; false: a link is shaped toward its guest only. Absent: unknown (assumed present).
   */
  readonly ifb?: boolean;
  /** KVM probed usable; `accel: auto` means kvm then, tcg otherwise. */
  readonly kvm: boolean;
  /**
   * The QEMU the user chose (`--qemu DIR|BINARY`, the editor's setting) instead of the installed
   * `qemu-system-<arch>`: its binary per architecture, the `-L` data directories and the environment it needs to run
   * from where it is (an unpacked Debian package: its own firmware and QEMU_MODULE_DIR). Absent: the installed one.
   */
  readonly qemu?: ChosenQemu;
  /** The host's architecture: KVM runs only guests of it (x86_64 also runs i386). Absent: x86_64. */
  readonly hostArch?: Arch;
  readonly bridgeHelper: string;
  /** Kernel and initramfs of the tiny guest per architecture (built by `qnet guest build`). */
  readonly tinyGuest: Partial<Record<Arch, { readonly kernel: string; readonly initrd: string }>>;
  /** The user guests run as: taps the compiler makes for VM-to-bridge links are owned by it. Optional. */
  readonly runAs?: string;
  /**
   * This machine's interfaces (discovered); unknown when absent. A host node's interface found here wireless is
   * treated as wireless whatever the file says. Never copied into the plan (its target leaves it out).
   */
  readonly hostInterfaces?: readonly HostInterface[];
  /**
   * A short state directory of the user's own (never a shared one such as /tmp/qn), which SOCKET_PATH_TOO_LONG
   * proposes when it makes the paths fit. Found on this machine; never copied into the plan.
   */
  readonly shortStateDir?: string;
}

/** The defaults: Debian 12's QEMU, root, on the host, state under /run/qnet (root's own). */
export const DEFAULT_TARGET: Target = {
  qemuVersion: { major: 7, minor: 2 },
  privilege: 'root',
  isolation: 'host',
  stateDir: '/run/qnet',
  netdevBackends: null,
  kvm: false,
  bridgeHelper: '/usr/lib/qemu/qemu-bridge-helper',
  tinyGuest: {},
};

/** True when the target's QEMU is at least major.minor. */
export function qemuAtLeast(target: Target, major: number, minor: number): boolean {
  const v = target.qemuVersion;
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** What one architecture's QEMU binary said about itself. */
export interface QemuBinaryProbe {
  /** The program asked: `qemu-system-<arch>`. */
  readonly binary: string;
  /** Its version; null when it is not installed or did not answer. */
  readonly version: { readonly major: number; readonly minor: number; readonly micro: number } | null;
  /** Its `-netdev help`; null when unknown. */
  readonly netdevBackends: readonly string[] | null;
}

/**
 * What this machine said when probed (probeHost): the one input of assembleTarget besides the user's choices.
 * Plain data, so a server hands it to its page as it is.
 */
export interface HostProbe {
  /** The QEMU of each architecture asked about, each its own binary. */
  readonly qemu: Partial<Record<Arch, QemuBinaryProbe>>;
  /** The QEMU the user chose, whose binaries `qemu` describes: the target runs it. Absent: the installed one. */
  readonly chosenQemu?: ChosenQemu;
  /** NIC models per `<arch>/<machine>`, each asked of that architecture's binary; a missing pair is unknown. */
  readonly nicModels: Readonly<Record<string, readonly string[]>>;
  /** KVM as a test boot found it (never from /dev/kvm's existence), or as the user chose it (`--accel`). */
  readonly kvm: { readonly usable: boolean; readonly reason: string };
  /** This machine's architecture (KVM runs only its guests); absent when it is none QEMU's guests have. */
  readonly hostArch?: Arch;
  readonly vhostNet: boolean;
  /** The kernel's netem qdisc, as a throwaway namespace's tc found it; absent when it could not be asked. */
  readonly netem?: boolean;
  /** The kernel's ifb and ingress redirect, as a throwaway namespace found them; absent when it could not be asked. */
  readonly ifb?: boolean;
  /** Where the tiny guest of each architecture is (or would be, once built). */
  readonly tinyGuest: Partial<Record<Arch, { readonly kernel: string; readonly initrd: string }>>;
  readonly hostInterfaces: readonly HostInterface[];
  /** This user's default state directory, and a short one of theirs (SOCKET_PATH_TOO_LONG proposes it). */
  readonly stateDir: string;
  readonly shortStateDir: string;
}

/** What the user chose on top of the probe: command-line flags, the page's target options, a launch's options. */
export interface TargetOptions {
  readonly privilege?: Privilege;
  readonly isolation?: Isolation;
  readonly stateDir?: string;
  /** Compile for this QEMU version (`--qemu-version`): then nothing the probe says about QEMU is used. */
  readonly qemuVersion?: { readonly major: number; readonly minor: number };
}

/** The QEMU whose version and backends a target carries: x86_64's when installed, else the first one found. */
function installedQemu(probe: HostProbe): QemuBinaryProbe | undefined {
  const found = Arch.options.map((arch) => probe.qemu[arch]).filter((q) => q?.version != null);
  return found.find((q) => q === probe.qemu.x86_64) ?? found[0];
}

/**
 * The compile target of a host probe and the user's choices. Pure: the live preview, `qnet compile`, `qnet serve`,
 * the desktop window and the engine all build theirs with it, so what the page shows is what a launch runs. The
 * isolation nobody chose is decided here, the one place, from the lab: its own user namespace (no root) unless it
 * reaches the host network (`defaultIsolation`); without a topology, the compiler's default.
 */
export function assembleTarget(probe: HostProbe, options: TargetOptions = {}, topology?: Topology): Target {
  const qemu = options.qemuVersion ? undefined : installedQemu(probe);
  const version = qemu?.version;
  const nicModels = qemu
    ? Object.fromEntries(Object.entries(probe.nicModels).filter(([, models]) => models.length > 0))
    : undefined;
  return {
    qemuVersion:
      options.qemuVersion ?? (version ? { major: version.major, minor: version.minor } : DEFAULT_TARGET.qemuVersion),
    privilege: options.privilege ?? DEFAULT_TARGET.privilege,
    isolation:
      options.isolation ?? (topology ? defaultIsolation(topology, options.privilege) : DEFAULT_TARGET.isolation),
    stateDir: options.stateDir ?? probe.stateDir,
    netdevBackends: qemu?.netdevBackends ?? null,
    kvm: probe.kvm.usable,
    ...(probe.hostArch ? { hostArch: probe.hostArch } : {}),
    bridgeHelper: DEFAULT_TARGET.bridgeHelper,
    tinyGuest: probe.tinyGuest,
    ...(probe.chosenQemu && !options.qemuVersion ? { qemu: probe.chosenQemu } : {}),
    ...(nicModels ? { nicModels } : {}),
    vhostNet: probe.vhostNet,
    ...(probe.netem !== undefined ? { netem: probe.netem } : {}),
    ...(probe.ifb !== undefined ? { ifb: probe.ifb } : {}),
    hostInterfaces: probe.hostInterfaces,
    shortStateDir: probe.shortStateDir,
  };
}

/** What a target assumes for want of a probe, as sentences: QEMU not found, KVM not usable. */
export function targetNotes(
  probe: HostProbe,
  options: TargetOptions = {},
): { readonly qemu?: string; readonly kvm?: string } {
  const v = DEFAULT_TARGET.qemuVersion;
  const binary = probe.qemu.x86_64?.binary ?? 'qemu-system-x86_64';
  return {
    ...(options.qemuVersion || installedQemu(probe)
      ? {}
      : { qemu: `${binary} not found: compiling for QEMU ${v.major}.${v.minor}` }),
    ...(probe.kvm.usable ? {} : { kvm: `KVM not usable (${probe.kvm.reason}): guests with accel auto use TCG` }),
  };
}
