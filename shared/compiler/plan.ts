import type { Arch } from '../model/schema';
import type { Diagnostic } from '../diagnostics';

/**
 * LabPlan: what a topology means on a host. Produced by compile(), consumed by the script emitter, the engine,
 * the CLI (`qnet compile --json`) and the UI's Commands panel. Plain data: argv stays an array everywhere.
 */

/** How much privilege a lab needs or may use: none, qemu-bridge-helper, or root for host setup. */
export type Privilege = 'user' | 'helper' | 'root';
/**
 * Where the lab's network lives: on the host; in a network namespace root makes (`ip netns add`); or in a user +
 * network namespace of its own that any user can make, held by one holder process (no root, nothing on the host).
 */
export type Isolation = 'host' | 'netns' | 'userns';

/** A named host object a step creates; the step's undo deletes exactly it, and nothing else. */
export interface CreatedObject {
  readonly kind: 'bridge' | 'tap' | 'ifb' | 'netns' | 'nft-table';
  readonly name: string;
}

/** One step of host setup, with the step that undoes it. */
export interface HostStep {
  readonly id: string;
  readonly argv: readonly string[];
  /** Undo argv; null when nothing needs undoing. */
  readonly undo: readonly string[] | null;
  readonly needsRoot: boolean;
  /** A sentence for humans: "Create bridge qnb1a2b". */
  readonly description: string;
  /** Run inside the lab's own namespace (isolation netns: `ip netns exec`; userns: entered through its holder). */
  readonly inNetns: boolean;
  /** What the step creates: it must not exist before (checked before the lab starts; the step fails when it does). */
  readonly creates?: CreatedObject;
  /** The host interface an uplink step puts under the lab's bridge: it must exist and be in no bridge yet. */
  readonly enslaves?: string;
  /**
   * The network (`10.0.20.0/24`) whose route an address step adds with its address: a route the host has to it, or
   * into it, would send part of that traffic the wrong way.
   */
  readonly routes?: string;
  /** The bridge node whose segment the bridge this step creates carries: a segment capture listens on it. */
  readonly segment?: string;
}

/** How the engine knows a process is ready: its QMP socket answers, a path exists, or at once. */
export type Readiness =
  | { readonly type: 'qmp'; readonly socket: string }
  | { readonly type: 'path'; readonly path: string }
  | { readonly type: 'none' };

/** A long-running process of the lab: a guest, a VDE switch, slirpvde, a DPDK testpmd switch, pasta's forwards. */
export interface ProcessPlan {
  readonly id: string;
  readonly kind: 'vm' | 'vde_switch' | 'slirpvde' | 'testpmd' | 'uml' | 'pasta';
  /** The topology node it realizes. */
  readonly node: string;
  readonly argv: readonly string[];
  /** Ids of processes that must be ready first (switches before guests, listeners before connectors). */
  readonly dependsOn: readonly string[];
  readonly ready: Readiness;
  /** The process exits when its stdin reaches EOF (vde_switch): keep stdin open. */
  readonly holdStdin: boolean;
  readonly pidfile?: string;
  readonly stderrLog: string;
  /** Environment it needs on top of the caller's (testpmd's RUNTIME_DIRECTORY); scripts pass it with `env`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Files it makes in the lab's directory and may leave behind (a killed UML's pid file). */
  readonly runtimeFiles?: readonly string[];
  /** Directories it makes in the lab's directory and leaves behind, removed when empty, in this order. */
  readonly runtimeDirs?: readonly string[];
  /**
   * A guest whose console is this process's standard input and output (a UML instance): the engine keeps it like a
   * VM's console, read from `stderrLog` and typed into `input`, the FIFO it holds as stdin (holdStdin); `name` is
   * what consoles and states call it.
   */
  readonly console?: {
    readonly name: string;
    readonly input: string;
    /** Its loopback TCP port (`console.tcpPort`), which the engine serves from this console as a VM's. */
    readonly port?: BoundPort;
  };
  /** The files a guest process boots (a UML's initramfs), and whether they are the tiny guest's (built on demand). */
  readonly boot?: { readonly files: readonly BootFile[]; readonly tinyGuest: 'x86_64' | null };
  /**
   * Runs on the host and joins the lab's namespace itself (pasta's host port forwards), so it is never started inside
   * it: in a rootless lab (userns) whoever starts it appends the pid of the namespace's holder as its last argument;
   * in a netns lab its argv names the namespace (`--netns NAME`).
   */
  readonly joinsLab?: boolean;
}

/** A host TCP or UDP port a guest's backend binds (multicast groups are not bound ports). */
export interface BoundPort {
  readonly proto: 'tcp' | 'udp';
  readonly host: string;
  readonly port: number;
  /** What binds it, for messages. */
  readonly what: 'hostfwd' | 'socket listen' | 'socket udp' | 'stream server' | 'dgram' | 'l2tpv3' | 'console';
  /** The node a message names as its owner: the nat or bridge node of a hostfwd, else the guest itself. */
  readonly node: string;
  /** A hostfwd a guest publishes through its bridge (`node`): bound on the host by the lab's pasta. */
  readonly bridge?: true;
}

/** A host file a guest boots from (it must exist when the guest starts). */
export interface BootFile {
  readonly what: 'kernel' | 'initrd' | 'dtb' | 'cdrom' | 'disk image';
  readonly path: string;
}

/** A bridge a guest reaches through qemu-bridge-helper (`-netdev bridge`): the helper's ACL must allow it. */
export interface HelperBridge {
  readonly bridge: string;
  /** The helper program (its path, as QEMU runs it). */
  readonly helper: string;
}

/** One NIC of a guest as compiled: its MAC and how its link is realized. */
export interface NicFact {
  readonly nic: string;
  /** The MAC it gets (its own, or the one derived for `auto`). */
  readonly mac: string | null;
  /** How QEMU realizes its link, for the canvas: `tap qn1a03`, `stream`, `mcast 230.0.0.1:1234`; null when unlinked. */
  readonly realization: string | null;
  /** The id of the link it is on, or null when unlinked. */
  readonly link: string | null;
  /**
   * The id of the netdev its frontend is peered with (a hubport for a NIC on a hub), or null when unlinked: what QMP
   * `set_link` and a `filter-dump` name.
   */
  readonly netdev: string | null;
  /** The tap the lab makes for its link (a NIC on a bridge, tap mode): what `tc` shapes. Absent otherwise. */
  readonly tap?: string;
  /** The ifb that carries what the guest sends into that tap, shaped like the tap (made when the link is shaped). */
  readonly ifb?: string;
  /** The shaping its link gets at launch on that tap (a `shape-<link>` host step); absent when unshaped. */
  readonly shaping?: import('../model/schema').LinkShaping;
}

/**
 * A linked clone the lab makes at launch: a qcow2 overlay in its state directory over a base image that is only
 * read. The guest's writes, and the lab's snapshots, go to the overlay.
 */
export interface OverlayPlan {
  /** The image it is a clone of (absolute: qemu-img reads a relative backing file beside the overlay). */
  readonly base: string;
  readonly baseFormat: 'qcow2' | 'raw' | 'vmdk' | 'vdi';
  readonly path: string;
  /** The `qemu-img create` that makes it. */
  readonly create: readonly string[];
  /**
   * The `qemu-img info --output=json` that says which image a kept one already there was made from (its
   * `backing-filename`; qemu-img reads it without opening that image, so it answers when the image is gone).
   */
  readonly info: readonly string[];
  /**
   * The `qemu-img rebase -u` that points a kept one at `base` without touching its data: right only when `base` is
   * the image it was made from, moved; offered to the user, never run by us.
   */
  readonly rebase: readonly string[];
  /** Kept when the lab stops and used again at its next launch; else deleted when the lab stops. */
  readonly keep: boolean;
}

/** One drive of a guest as compiled: what QMP names it and what its writes reach. */
export interface DiskFact {
  /** The block node name of its top layer (`-drive node-name=`): what QMP's snapshot jobs name. */
  readonly nodeName: string;
  /** The file QEMU opens: the image itself, or its overlay. */
  readonly file: string;
  readonly format: 'qcow2' | 'raw' | 'vmdk' | 'vdi' | null;
  /** The writes land in a file that stays (the image or a clone), not in QEMU's throwaway overlay. */
  readonly persistent: boolean;
  readonly overlay?: OverlayPlan;
}

/**
 * One guest: its QEMU argv, the paths of its console, console log, QMP socket and pidfile, and what the compiler
 * knows about it that the engine checks before it starts (read these, never the argv).
 */
export interface VmPlan {
  readonly name: string;
  readonly node: string;
  readonly argv: readonly string[];
  readonly console: string;
  readonly consoleLog: string;
  readonly qmp: string;
  readonly pidfile: string;
  readonly arch: Arch;
  /** The QEMU program it runs (argv[0]): `qemu-system-<arch>`, the chosen QEMU's, or the VM's own `binary`. */
  readonly binary: string;
  /** Environment the chosen QEMU needs (QEMU_MODULE_DIR of an unpacked package); absent when none. */
  readonly env?: Readonly<Record<string, string>>;
  /** The accelerator it asks for (`auto` resolved against the target's KVM answer). */
  readonly accel: 'kvm' | 'tcg' | 'hvf';
  readonly bootFiles: readonly BootFile[];
  /** The architecture of the tiny guest it boots (its kernel and initramfs are bootFiles), or null. */
  readonly tinyGuest: Arch | null;
  /**
   * Host ports bound for it: its backends', and its console's TCP port (`what: 'console'`), which the engine binds on
   * the host's 127.0.0.1 whatever the isolation.
   */
  readonly ports: readonly BoundPort[];
  /** Bridges it joins through qemu-bridge-helper. */
  readonly helperBridges: readonly HelperBridge[];
  /** Its NICs in order. */
  readonly nics: readonly NicFact[];
  /** Its drives in order (the boot's disk images, then `disks`); absent when it has none. */
  readonly disks?: readonly DiskFact[];
}

/** A program the lab runs, and the nodes whose processes run it (none for host steps). */
export interface ProgramUse {
  readonly program: string;
  readonly nodes: readonly string[];
}

/** A host bridge the lab joins but does not create (an external bridge node): it must exist and be a bridge. */
export interface ExternalBridge {
  readonly node: string;
  readonly name: string;
}

/** Something outside the lab its guests open: a vhost-user backend's socket (client mode), a vDPA device. */
export interface ExternalBackend {
  readonly kind: 'vhost-user' | 'vdpa';
  readonly node: string;
  readonly path: string;
  /** The guests that open it. */
  readonly vms: readonly string[];
}

/**
 * What the lab needs from the host that it does not make itself. What it makes is on its host steps (`creates`),
 * and the host interfaces it takes as uplinks too (`enslaves`); per guest: ports, boot files, helper bridges.
 */
export interface HostNeeds {
  /** argv[0] of every host step, undo and process (and `ip` for a namespace), in first-use order. */
  readonly programs: readonly ProgramUse[];
  readonly bridges: readonly ExternalBridge[];
  readonly backends: readonly ExternalBackend[];
}

/** What a topology means on a host: guests, host steps, processes, diagnostics, least privilege. */
export interface LabPlan {
  /** Short name used in derived names and state paths. */
  readonly lab: string;
  /** The lab's own state directory (sockets, logs, pidfiles). */
  readonly stateDir: string;
  /** Network namespace of the lab (isolation netns), else null (userns: the holder's namespace has no name). */
  readonly netns: string | null;
  /** The least privilege this topology needs. */
  readonly privilege: Privilege;
  readonly target: import('./target').Target;
  readonly vms: readonly VmPlan[];
  readonly hostSteps: readonly HostStep[];
  readonly processes: readonly ProcessPlan[];
  readonly needs: HostNeeds;
  readonly diagnostics: readonly Diagnostic[];
}
