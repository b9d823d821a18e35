import type { Arch } from '../model/schema';
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
   * means unknown, and then any model is accepted.
   */
  readonly nicModels?: Readonly<Record<string, readonly string[]>>;
  /** /dev/vhost-net usable; false means tap `vhost=on` must not be emitted (QEMU 7.2 aborts without it). */
  readonly vhostNet?: boolean;
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
