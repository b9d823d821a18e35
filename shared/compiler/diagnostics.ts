import type { Diagnostic, Fix, Severity } from '../diagnostics';

/**
 * Every diagnostic code the compiler itself raises, with its severity. Structural codes (DUPLICATE_ID,
 * LINK_DANGLING, …) come from the model's checkStructure and are passed through unchanged.
 */
export const COMPILER_CODES = {
  /** A NIC with no link: QEMU warns `nic ID has no peer`. */
  NIC_NO_PEER: 'warning',
  /** A hub with backends but no NIC of any VM: left out of every process. */
  HUB_NO_NICS: 'warning',
  /** A hub with NICs and no host-side backend: QEMU warns `hub N is not connected to host network`. */
  HUB_NO_HOST_NETWORK: 'info',
  /** A hub whose NICs belong to several VMs: hubs live inside one QEMU process. */
  HUB_SPANS_VMS: 'error',
  /** A netdev nothing peers with (a compiler bug guard: QEMU would warn `netdev ID has no peer`). */
  NETDEV_NO_PEER: 'warning',
  /** Two NICs of the lab with the same MAC. */
  DUPLICATE_MAC: 'error',
  /** A MAC (or MAC prefix) with the multicast bit set. */
  MAC_MULTICAST: 'error',
  /** A MAC QEMU or the guest cannot use (all zero). */
  MAC_INVALID: 'error',
  /** A Linux interface name over 15 bytes. */
  IFNAME_TOO_LONG: 'error',
  /** Two bridges or taps with the same interface name. */
  DUPLICATE_IFNAME: 'error',
  /** A unix socket path over 107 bytes. */
  SOCKET_PATH_TOO_LONG: 'error',
  /** Two things in the lab bind the same host port. */
  PORT_CLASH: 'error',
  /** No free port left in the derived range. */
  PORT_EXHAUSTED: 'error',
  /** The installed QEMU lacks a backend the topology uses. */
  BACKEND_MISSING: 'error',
  /** stream (or a dgram multicast segment) asked for on QEMU older than 7.2. */
  STREAM_UNSUPPORTED_QEMU: 'error',
  /** dgram asked for on QEMU older than 7.2: compiled as a `socket udp=` pair, which carries the same datagrams. */
  DGRAM_AS_SOCKET_UDP: 'info',
  /** `socket` with family unix: the socket backend is IPv4 TCP only. */
  SOCKET_FAMILY_UNIX: 'warning',
  /** The on-board `-nic` form cannot express this link or machine: `-device` is used. */
  NIC_FORM_UNSUPPORTED: 'warning',
  /** vhost (tap vhost, vhost-user, vdpa) on a frontend that is not virtio-net. */
  VHOST_NON_VIRTIO: 'error',
  /** A tap with vhost on a host without /dev/vhost-net (QEMU 7.2 aborts on it). */
  VHOST_NET_MISSING: 'error',
  /** A link with shaping that is not realized as a tap the lab makes: tc has nothing of the lab's to shape. */
  SHAPING_NOT_TAP: 'error',
  /** Delay, jitter, loss or duplication on a kernel without sch_netem. */
  NETEM_MISSING: 'error',
  /** A shaped link on a kernel without ifb (or its ingress redirect): shaped toward its guest only. */
  SHAPING_ONE_WAY: 'warning',
  /** A NIC model the installed QEMU cannot create on this machine (from `-M MACHINE -nic model=help`). */
  NIC_MODEL_UNKNOWN: 'error',
  /** A PCI NIC model on a machine without PCI. */
  PCI_NIC_NO_PCI: 'error',
  /** virtio-net-device on a machine without virtio-mmio. */
  MMIO_NIC_NO_MMIO: 'error',
  /** A wireless host interface as a bridge uplink. */
  WIRELESS_UPLINK: 'error',
  /** A bridge uplink in netns isolation: the host interface stays outside the lab. */
  UPLINK_IN_NETNS: 'warning',
  /** An external (host) bridge in netns isolation: it does not exist inside the lab's namespace. */
  EXTERNAL_BRIDGE_IN_NETNS: 'warning',
  /** Bridge NAT without a bridge address. */
  BRIDGE_NAT_NO_ADDRESS: 'error',
  /** A bridge's hostfwd that cannot be made (no bridge address, an address no guest on it has, a host bridge). */
  BRIDGE_HOSTFWD: 'error',
  /** A bridge's hostfwd in a lab that is not rootless: only the lab's user namespace publishes it (through pasta). */
  BRIDGE_HOSTFWD_ROOTLESS: 'warning',
  /** A lab address (a bridge's, a VM-to-VM link's) inside the link pasta adds when it gives a rootless lab a way out. */
  PASTA_NET_OVERLAP: 'error',
  /** A hostfwd bound to every host interface. */
  HOSTFWD_ALL_INTERFACES: 'warning',
  /** Ping through SLiRP fails except to the gateway. */
  NAT_ICMP: 'info',
  /** One nat node feeding several NICs: each gets its own SLiRP instance. */
  NAT_SEPARATE_INSTANCES: 'info',
  /** The topology needs more privilege than the target allows. */
  ROOT_REQUIRED: 'error',
  /** qemu-bridge-helper needs an ACL line for the bridge. */
  HELPER_ACL: 'info',
  /** l2tpv3 over UDP needs both ports. */
  L2TPV3_PORTS: 'error',
  /** l2tpv3 cookies must be given both or neither. */
  L2TPV3_COOKIES: 'error',
  /** A tap node behind a hub: vhost and multiqueue need a virtio-net NIC as the tap's peer, so they are dropped. */
  HUB_TAP_OPTIONS: 'warning',
  /** vhost-user or vdpa attached to a hub: only a virtio-net NIC can drive it. */
  HUB_VHOST_BACKEND: 'error',
  /** The tiny guest's kernel is not built for this architecture: placeholder paths are used. */
  TINY_GUEST_MISSING: 'info',
  /** A VM without NICs. */
  VM_NO_NICS: 'info',
  /** Two multicast segments on the same group and port: on one host they are one segment. */
  MCAST_GROUP_SHARED: 'warning',
  /** A VM-to-VM inet link whose listener binds every host interface (host 0.0.0.0). */
  LINK_ALL_INTERFACES: 'warning',
  /** A netdev node: passed to QEMU as written; the lab starts and checks nothing for it. */
  NETDEV_AS_WRITTEN: 'info',
  /** A testpmd switch linked to other than two NICs (io forwarding pairs port 0 with port 1). */
  TESTPMD_PORTS: 'error',
  /** accel kvm for a guest of another architecture than the host's: TCG instead (QEMU would refuse kvm). */
  ACCEL_FOREIGN_ARCH: 'warning',
  /** A custom kernel's append got the guest's IP hints. */
  IP_HINTS_APPENDED: 'info',
  /** A tiny guest's kernel command line (its hints and boot.run) over the 2048 bytes the kernel keeps. */
  KERNEL_CMDLINE_TOO_LONG: 'error',
  /** A backend node linked to nothing: the lab leaves it out. */
  BACKEND_UNLINKED: 'warning',
  /** Two guests (or two drives) write one disk image: QEMU's image lock refuses the second. */
  DISK_SHARED_WRITE: 'error',
  /** A linked clone of an image named by a relative path: qemu-img would look for it beside the overlay. */
  DISK_CLONE_RELATIVE: 'error',
  /** A board's own NIC model (lan9118) asked for in the -device form: -nic is used instead. */
  NIC_ONBOARD_ONLY: 'info',
  /** A board's own NIC model whose link needs the -device form (stream/dgram, multiqueue, properties). */
  NIC_ONBOARD_UNREACHABLE: 'error',
  /** A NIC model QEMU lists that is no Ethernet card (pvrdma). */
  NIC_NOT_ETHERNET: 'error',
  /** A vhost-user NIC on virtio-net-pci under TCG with QEMU before 8.0: MSI-X off (`vectors=0`), as 7.2 crashes. */
  VHOST_USER_MSIX_OFF: 'info',
} as const satisfies Record<string, Severity>;

/** A code the compiler raises. */
export type CompilerCode = keyof typeof COMPILER_CODES;

/** Optional parts of a diagnostic. */
export interface DiagExtra {
  readonly nodes?: readonly string[];
  readonly links?: readonly string[];
  readonly fix?: Fix;
  readonly alternatives?: readonly Fix[];
  readonly path?: readonly (string | number)[];
  readonly qemuWarning?: { readonly vm: string; readonly text: string };
}

/** Build a diagnostic of a compiler code, with the code's severity. */
export function diag(code: CompilerCode, message: string, extra: DiagExtra = {}): Diagnostic {
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = {
    code,
    severity: COMPILER_CODES[code],
    message,
    nodes: extra.nodes ?? [],
    links: extra.links ?? [],
  };
  if (extra.fix) d.fix = extra.fix;
  if (extra.alternatives?.length) d.alternatives = extra.alternatives;
  if (extra.path) d.path = extra.path;
  if (extra.qemuWarning) d.qemuWarning = extra.qemuWarning;
  return d;
}
