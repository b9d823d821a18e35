import { z } from 'zod';
import { NAME_CONTROL } from './visible';

/**
 * The topology document, one validator per node kind. These schemas are the single source of truth:
 * the TypeScript types, the YAML loader's field checks and the JSON Schema of `qnet schema` all come from them.
 * Semantic rules that span nodes (dangling links, duplicate names, ports linked twice) live in validate.ts.
 */

/** An id usable inside QEMU ids and file names: a letter, then letters, digits, '-' or '_'. */
export const Id = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_-]{0,31}$/,
    'must start with a letter and hold only letters, digits, "-" or "_" (at most 32)',
  );

/** A Linux interface name: 1-15 bytes, no '/', ':' or whitespace. */
const Ifname = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,15}$/, 'must be 1-15 characters of letters, digits, "_", "-" or "."');

export const Mac = z.string().regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, 'must look like 52:54:00:12:34:56');

const ipv4Re = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const Ipv4 = z.string().regex(ipv4Re, 'must be an IPv4 address like 10.0.0.1');
const Ipv4Cidr = z
  .string()
  .regex(/^[0-9.]+\/([0-9]|[12][0-9]|3[0-2])$/, 'must be an IPv4 address with a prefix, like 10.0.0.1/24')
  .refine((s) => ipv4Re.test(s.split('/')[0] ?? ''), 'must be an IPv4 address with a prefix, like 10.0.0.1/24');
/**
 * Free text that may reach argv, a script or a file name: any Unicode but NUL, which no argv word can hold. A lone
 * UTF-16 surrogate (half a character, not valid Unicode) has no UTF-8 form, so it cannot reach argv either.
 */
const Text = z
  .string()
  .refine((s) => !s.includes('\u0000'), 'must not contain a NUL character')
  .regex(
    /^(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/,
    'must be valid Unicode (it holds half of a character)',
  );
/** A name people read (a node's name, a DHCP host or domain name): text without control characters. */
const Name = Text.refine(
  (s) => !NAME_CONTROL.test(s),
  'must not contain control characters (like ESC, DEL or a bidi override): they could take over a terminal',
);
export const Port = z.number().int().min(1).max(65535);
const AbsPath = Text.min(1).regex(/^\//, 'must be an absolute path');

export const Arch = z.enum(['x86_64', 'i386', 'aarch64', 'arm', 'riscv64', 'ppc64']);
export type Arch = z.infer<typeof Arch>;

/** A QEMU option or property name: a letter, then letters, digits, '_', '-' or '.' (keyval nesting: `addr.path`). */
const OptKey = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'must be a QEMU option name like sndbuf or addr.path');
const OptScalar = z.union([Text, z.number(), z.boolean()]);

/**
 * More QEMU options, written as QEMU takes them (`true`/`false` become on/off, a list repeats the key): what the
 * drawing does not model, so an imported command line keeps it. The keys the node's own fields set are refused.
 */
function moreOptions(owned: readonly string[], owner: string) {
  return z
    .record(OptKey, z.union([OptScalar, z.array(OptScalar).min(1)]))
    .superRefine((rec, ctx) => {
      for (const k of Object.keys(rec)) {
        if (owned.includes(k))
          ctx.addIssue({ code: 'custom', message: `${k} is set by ${owner}, not here`, path: [k] });
      }
    })
    .optional();
}

const base = {
  id: Id,
  name: Name.min(1).max(64).optional(),
  notes: Text.max(10000).optional(),
};

// ---------------------------------------------------------------- vm

export const Nic = z.strictObject({
  /** The port name links use, e.g. `eth0`. */
  id: Id,
  /** `virtio` picks the frontend for the machine (virtio-net-pci or virtio-net-device); else a QEMU NIC model. */
  model: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be a QEMU NIC model name like virtio, e1000 or rtl8139')
    .default('virtio'),
  mac: z.union([z.literal('auto'), Mac]).default('auto'),
  /** `device`: -netdev + -device (default). `nic`: the on-board -nic form. */
  form: z.enum(['device', 'nic']).default('device'),
  /** Guest address hint for the tiny guest: an address with prefix, or `dhcp`. */
  ip: z.union([z.literal('dhcp'), Ipv4Cidr]).optional(),
  gateway: Ipv4.optional(),
  /** More `-device` properties (bus, addr, host_mtu, offloads…), verbatim; they need the `device` form. */
  properties: moreOptions(['driver', 'netdev', 'mac', 'id'], 'the NIC (model, MAC) and its link'),
});
export type Nic = z.infer<typeof Nic>;

/** A disk image a guest opens as a virtio drive. */
export const DiskImage = z.strictObject({
  path: Text.min(1),
  format: z.enum(['qcow2', 'raw', 'vmdk', 'vdi']).optional(),
  /** Write to a throwaway overlay QEMU makes; the image itself stays untouched. Not used with `clone`. */
  snapshot: z.boolean().default(true),
  /**
   * A linked clone: the guest writes to a qcow2 overlay of the image (its backing file, never written) that the
   * lab makes in its state directory at launch with qemu-img. `keep`: the overlay stays after the lab stops and is
   * used again at the next launch; `discard`: it is deleted when the lab stops. Lab snapshots live in it.
   */
  clone: z.enum(['keep', 'discard']).optional(),
});
export type DiskImage = z.infer<typeof DiskImage>;

export const Boot = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('tiny'),
    /**
     * Shell commands the tiny guest runs at boot once its addresses are set, each in the background (a service:
     * `httpd -p 80 -h /www`); output in the guest's /tmp/run<N>.log.
     */
    run: z.array(Text.min(1, 'must not be empty')).optional(),
  }),
  z.strictObject({
    type: z.literal('kernel'),
    kernel: Text.min(1),
    initrd: Text.min(1).optional(),
    append: Text.optional(),
    dtb: Text.min(1).optional(),
  }),
  z.strictObject({
    type: z.literal('disk'),
    images: z.array(DiskImage).min(1),
  }),
  z.strictObject({ type: z.literal('cdrom'), path: Text.min(1) }),
  z.strictObject({ type: z.literal('none') }),
]);
export type Boot = z.infer<typeof Boot>;

/**
 * A guest's console on a TCP port too: `tcpPort` on the host's 127.0.0.1 (never another address), served by the
 * engine while the lab runs, for `nc`/`telnet` in the user's own terminal. Off unless set.
 */
export const ConsoleSettings = z.strictObject({ tcpPort: z.number().int().min(1).max(65535).optional() });

export const VmNode = z.strictObject({
  ...base,
  kind: z.literal('vm'),
  arch: Arch.default('x86_64'),
  /** Path or name of the QEMU binary; default qemu-system-<arch>. */
  binary: Text.min(1).optional(),
  /** Default: q35 on x86, virt on arm/riscv. */
  machine: z
    .string()
    .regex(/^[A-Za-z0-9_.,=-]+$/, 'must be a QEMU machine type like q35, pc, virt or microvm')
    .optional(),
  accel: z.enum(['auto', 'kvm', 'tcg', 'hvf']).default('auto'),
  cpu: z
    .string()
    .regex(/^[A-Za-z0-9_.,=+-]+$/, 'must be a QEMU CPU model like max or cortex-a57')
    .optional(),
  smp: z.number().int().min(1).max(256).default(1),
  /** MiB. */
  memory: z.number().int().min(16).max(1048576).default(256),
  boot: Boot.default({ type: 'tiny' }),
  /** More disks, after any the boot opens (a scratch disk beside the tiny guest). */
  disks: z.array(DiskImage).max(16).optional(),
  nics: z.array(Nic).max(32).default([]),
  console: ConsoleSettings.optional(),
  /** Extra QEMU arguments, verbatim. Networking options are refused here: draw them instead. */
  extraArgs: z.array(Text).default([]),
});
export type VmNode = z.infer<typeof VmNode>;

// ---------------------------------------------------------------- host side

export const HostNode = z.strictObject({
  ...base,
  kind: z.literal('host'),
  interfaces: z
    .array(
      z.strictObject({
        name: Ifname,
        wireless: z.boolean().default(false),
        addresses: z.array(Text).default([]),
      }),
    )
    .default([]),
});
export type HostNode = z.infer<typeof HostNode>;

export const HostFwd = z.strictObject({
  proto: z.enum(['tcp', 'udp']).default('tcp'),
  /** Host address to bind; default 127.0.0.1. `0.0.0.0` exposes the guest on every host interface. */
  hostAddr: Ipv4.default('127.0.0.1'),
  hostPort: z.number().int().min(0).max(65535),
  guestAddr: Ipv4.optional(),
  guestPort: Port,
});
export type HostFwd = z.infer<typeof HostFwd>;

/** A port a guest on a bridge publishes to the host (through pasta, in a rootless or netns lab); the guest named by its address. */
export const BridgeFwd = z.strictObject({
  ...HostFwd.shape,
  /** The guest's address on the bridge (its NIC's ip). */
  guestAddr: Ipv4,
});
export type BridgeFwd = z.infer<typeof BridgeFwd>;

export const BridgeNode = z.strictObject({
  ...base,
  kind: z.literal('bridge'),
  /** The Linux bridge name; default derived from the id. */
  ifname: Ifname.optional(),
  /** Host-side address of the bridge, e.g. 10.0.0.254/24. */
  address: Ipv4Cidr.optional(),
  stp: z.boolean().default(false),
  /** Masquerade the bridge's subnet out of the host (needs `address`). */
  nat: z.boolean().default(false),
  /** Use a bridge that already exists on the host: never create or delete it. */
  external: z.boolean().default(false),
  /** Host ports published to guests on the bridge; 127.0.0.1 unless another host address is given. */
  hostfwd: z.array(BridgeFwd).default([]),
});
export type BridgeNode = z.infer<typeof BridgeNode>;

export const TapNode = z.strictObject({
  ...base,
  kind: z.literal('tap'),
  ifname: Ifname.optional(),
  /** User that owns the tap, so QEMU can open it without privileges. */
  owner: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]*\$?$/, 'must be a user name')
    .optional(),
  vhost: z.boolean().default(false),
  queues: z.number().int().min(1).max(16).default(1),
  /** More `-netdev tap` options (sndbuf, vnet_hdr, …); the lab makes the tap, so no scripts, helper or fds. */
  options: moreOptions(
    [
      'id',
      'type',
      'ifname',
      'script',
      'downscript',
      'helper',
      'br',
      'fd',
      'fds',
      'vhostfd',
      'vhostfds',
      'vhost',
      'queues',
    ],
    'the tap node or the lab',
  ),
});
export type TapNode = z.infer<typeof TapNode>;

const HubNode = z.strictObject({ ...base, kind: z.literal('hub') });
export type HubNode = z.infer<typeof HubNode>;

export const VdeNode = z.strictObject({
  ...base,
  kind: z.literal('vde'),
  /** Switch control directory; default under the lab's state directory. */
  sock: AbsPath.optional(),
  ports: z.number().int().min(2).max(1024).default(32),
  hub: z.boolean().default(false),
  /** Run slirpvde on the switch: NAT to the outside and DHCP. */
  slirp: z
    .strictObject({
      dhcp: z.boolean().default(true),
      /** Network in CIDR form; default 10.0.2.0/24 (gateway .2, DNS .3, leases from .15). */
      network: Ipv4Cidr.optional(),
    })
    .optional(),
  /** More `-netdev vde` options (port, group, mode). */
  options: moreOptions(['id', 'type', 'sock'], 'the VDE switch node'),
});
export type VdeNode = z.infer<typeof VdeNode>;

export const GuestFwd = z.strictObject({
  server: Ipv4,
  port: Port,
  /** A chardev spec (e.g. `tcp:127.0.0.1:4321`) or `cmd:COMMAND`. */
  target: Text.min(1),
});
export type GuestFwd = z.infer<typeof GuestFwd>;

export const NatNode = z.strictObject({
  ...base,
  kind: z.literal('nat'),
  net: Ipv4Cidr.optional(),
  host: Ipv4.optional(),
  dhcpstart: Ipv4.optional(),
  dns: Ipv4.optional(),
  dnssearch: z.array(Name.min(1).max(255)).default([]),
  domainname: Name.min(1).max(255).optional(),
  hostname: Name.min(1).max(255).optional(),
  restrict: z.boolean().default(false),
  ipv4: z.boolean().optional(),
  ipv6: z.boolean().optional(),
  tftp: Text.min(1).optional(),
  bootfile: Text.min(1).optional(),
  smb: Text.min(1).optional(),
  /** The address the guest reaches the SMB share at (default x.x.x.4). */
  smbserver: Ipv4.optional(),
  hostfwd: z.array(HostFwd).default([]),
  guestfwd: z.array(GuestFwd).default([]),
  /** More `-netdev user` options (ipv6-*, tftp-server-name, smbserver, more hostfwd rules QEMU reads, …). */
  options: moreOptions(
    [
      'id',
      'type',
      'net',
      'host',
      'dhcpstart',
      'dns',
      'domainname',
      'hostname',
      'restrict',
      'ipv4',
      'ipv6',
      'tftp',
      'bootfile',
      'smb',
      'smbserver',
    ],
    'the NAT node',
  ),
});
export type NatNode = z.infer<typeof NatNode>;

export const McastNode = z.strictObject({
  ...base,
  kind: z.literal('mcast'),
  group: Ipv4.default('230.0.0.1'),
  port: Port.default(1234),
  localAddr: Ipv4.optional(),
  /** `auto`: dgram on QEMU >= 7.2, socket below. */
  transport: z.enum(['auto', 'dgram', 'socket']).default('auto'),
});
export type McastNode = z.infer<typeof McastNode>;

export const L2tpv3Node = z.strictObject({
  ...base,
  kind: z.literal('l2tpv3'),
  src: Text.min(1),
  dst: Text.min(1),
  ipv6: z.boolean().default(false),
  udp: z.boolean().default(true),
  srcport: Port.optional(),
  dstport: Port.optional(),
  txsession: z.number().int().min(0).max(4294967295),
  rxsession: z.number().int().min(0).max(4294967295).optional(),
  cookie64: z.boolean().default(false),
  txcookie: z.number().int().min(0).optional(),
  rxcookie: z.number().int().min(0).optional(),
  counter: z.boolean().default(false),
  pincounter: z.boolean().default(false),
  offset: z.number().int().min(0).max(255).optional(),
});
export type L2tpv3Node = z.infer<typeof L2tpv3Node>;

const VhostUserNode = z.strictObject({
  ...base,
  kind: z.literal('vhost-user'),
  socket: AbsPath,
  /** `client`: QEMU connects to a socket the backend listens on (default). `server`: QEMU listens. */
  mode: z.enum(['client', 'server']).default('client'),
  queues: z.number().int().min(1).max(64).default(1),
  /** More `-netdev vhost-user` options (vhostforce). */
  options: moreOptions(['id', 'type', 'chardev', 'queues'], 'the vhost-user node'),
});
export type VhostUserNode = z.infer<typeof VhostUserNode>;

const VdpaNode = z.strictObject({
  ...base,
  kind: z.literal('vdpa'),
  vhostdev: AbsPath.default('/dev/vhost-vdpa-0'),
  queues: z.number().int().min(1).max(64).default(1),
  /** More `-netdev vhost-vdpa` options (x-svq). */
  options: moreOptions(['id', 'type', 'vhostdev', 'vhostfd', 'queues'], 'the vDPA node'),
});
export type VdpaNode = z.infer<typeof VdpaNode>;

/**
 * A DPDK `testpmd` the lab runs as its vhost-user switch (like `vde_switch`): each linked NIC gets a vhost-user port
 * of its own (a socket in the lab's directory), and testpmd forwards frames between port 0 and port 1 (`io` mode),
 * so it joins exactly two NICs. No hugepages are needed (`--no-huge`); its forwarding core polls at 100%.
 */
export const TestpmdNode = z.strictObject({
  ...base,
  kind: z.literal('testpmd'),
  /** The lcores it runs on (`-l`): the main one and the forwarding one. */
  lcores: z
    .string()
    .regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'must be a DPDK lcore list like 0-1 or 2,3')
    .default('0-1'),
  /** Memory it takes without hugepages (`-m`, MiB). */
  memory: z.number().int().min(64).max(65536).default(512),
});
export type TestpmdNode = z.infer<typeof TestpmdNode>;

/** A User-mode Linux interface (`ethN=`, N its position): links name it by id. */
export const UmlNic = z.strictObject({
  /** The port name links use, e.g. `eth0`. */
  id: Id,
  mac: z.union([z.literal('auto'), Mac]).default('auto'),
  /** Address hint for the tiny guest's init (an address with prefix, or `dhcp`). */
  ip: z.union([z.literal('dhcp'), Ipv4Cidr]).optional(),
  gateway: Ipv4.optional(),
});
export type UmlNic = z.infer<typeof UmlNic>;

/**
 * A User-mode Linux instance (Debian's `linux.uml`): a Linux kernel run as a host program, booting the tiny guest's
 * initramfs (or its own initrd), its interfaces joining multicast segments (`ethN=mcast,…`, as QEMU's `socket,mcast=`
 * and `dgram` multicast do), VDE switches (`vde`) or bridges (a tap of its own, `tuntap`). Its console is its standard input and output; its files live in the lab's directory.
 */
export const UmlNode = z.strictObject({
  ...base,
  kind: z.literal('uml'),
  /** Memory (`mem=`, MiB). */
  memory: z.number().int().min(16).max(65536).default(128),
  /** Its own initramfs; default the tiny guest's (x86_64, `qnet guest build`). */
  initrd: AbsPath.optional(),
  /** Its console on a loopback TCP port too, served by the engine (UML's own `port:` channel listens on 0.0.0.0). */
  console: ConsoleSettings.optional(),
  nics: z
    .array(UmlNic)
    .max(32)
    .default([{ id: 'eth0', mac: 'auto' }]),
});
export type UmlNode = z.infer<typeof UmlNode>;

/** Netdev types a `netdev` node may not carry: the drawing has nodes for them, or QEMU takes them elsewhere. */
export const NETDEV_TYPES_DRAWN = ['hubport', 'nic', 'none', 'tap', 'bridge', 'vhost-user'] as const;

/**
 * A QEMU network backend kept as written (`-netdev TYPE,options`): one the drawing has no node for (passt, af-xdp,
 * netmap, vmnet-*) or one whose other end is not in the lab (a stream to a passt socket, a socket listening for a
 * peer elsewhere). The lab passes it to QEMU unchanged and starts nothing for it.
 */
export const NetdevNode = z.strictObject({
  ...base,
  kind: z.literal('netdev'),
  type: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a QEMU netdev type like passt or af-xdp')
    .refine(
      (t) => !(NETDEV_TYPES_DRAWN as readonly string[]).includes(t),
      'is drawn with a node of its own (tap, bridge, hub, vhost-user), not as a netdev node',
    ),
  /** Its options after `id=`; `path` (a program QEMU would run for passt) is refused. */
  options: moreOptions(['id', 'type', 'path'], 'the lab (a netdev node runs no program of its own)'),
});
export type NetdevNode = z.infer<typeof NetdevNode>;

export const NODE_SCHEMAS = {
  vm: VmNode,
  host: HostNode,
  bridge: BridgeNode,
  tap: TapNode,
  hub: HubNode,
  vde: VdeNode,
  nat: NatNode,
  mcast: McastNode,
  l2tpv3: L2tpv3Node,
  'vhost-user': VhostUserNode,
  vdpa: VdpaNode,
  netdev: NetdevNode,
  testpmd: TestpmdNode,
  uml: UmlNode,
} as const;

export type NodeKind = keyof typeof NODE_SCHEMAS;
export const NODE_KINDS = Object.keys(NODE_SCHEMAS) as NodeKind[];

export const TopologyNode = z.discriminatedUnion('kind', [
  VmNode,
  HostNode,
  BridgeNode,
  TapNode,
  HubNode,
  VdeNode,
  NatNode,
  McastNode,
  L2tpv3Node,
  VhostUserNode,
  VdpaNode,
  NetdevNode,
  TestpmdNode,
  UmlNode,
]);
export type TopologyNode = z.infer<typeof TopologyNode>;
export type NodeOf<K extends NodeKind> = Extract<TopologyNode, { kind: K }>;

// ---------------------------------------------------------------- links

/** `node` or `node:port` (a VM's NIC id, a host's interface name). */
const Endpoint = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}(:[A-Za-z0-9_.-]{1,32})?$/, 'must be "node" or "node:port", like alpha:eth0');

/**
 * Shaping and impairments of a link, both ways, applied by `tc` to the tap that realizes it (what reaches the guest)
 * and to an ifb its ingress is sent through (what the guest sends): `rate` by a token bucket (tbf), the others by
 * netem, which needs the kernel's sch_netem.
 */
export const LinkShaping = z.strictObject({
  /** Rate limit in tc's units: `1mbit`, `512kbit`, `10gbit` (k = 1000). */
  rate: z
    .string()
    .regex(/^[0-9]+(\.[0-9]+)?(bit|kbit|mbit|gbit)$/, 'must be a rate like 1mbit, 512kbit or 10gbit')
    .optional(),
  /** Added delay, like `20ms` (netem). */
  delay: z
    .string()
    .regex(/^[0-9]+(\.[0-9]+)?(us|ms|s)$/, 'must be a time like 20ms, 500us or 1s')
    .optional(),
  /** Random variation of the delay, like `5ms` (netem). */
  jitter: z
    .string()
    .regex(/^[0-9]+(\.[0-9]+)?(us|ms|s)$/, 'must be a time like 5ms, 500us or 1s')
    .optional(),
  /** Packets dropped, in percent (netem). */
  loss: z.number().min(0).max(100).optional(),
  /** Packets sent twice, in percent (netem). */
  duplicate: z.number().min(0).max(100).optional(),
});
export type LinkShaping = z.infer<typeof LinkShaping>;

export const Link = z.strictObject({
  /** Stable id; default derived from the two endpoints. */
  id: Id.optional(),
  a: Endpoint,
  b: Endpoint,
  /**
   * VM-to-VM links: `auto` is stream on QEMU >= 7.2 and socket below; `socket` is a TCP listen/connect pair,
   * `socket-udp` the older UDP pair (`socket,udp=…,localaddr=…`) over IPv4.
   */
  transport: z.enum(['auto', 'stream', 'dgram', 'socket', 'socket-udp']).default('auto'),
  /** VM-to-VM links: unix sockets in the state directory (default) or TCP/UDP on 127.0.0.1. */
  family: z.enum(['unix', 'inet']).default('unix'),
  /** VM-to-VM inet links: the port the listening side binds (dgram: the `a` side; `b` gets port + 1). */
  port: Port.optional(),
  /** VM-to-VM dgram inet links: the port the `b` side binds; default port + 1. */
  peerPort: Port.optional(),
  /**
   * VM-to-VM inet links: the address the listener binds and the connector reaches (dgram: both sides); default
   * 127.0.0.1. `0.0.0.0` listens on every host interface (connectors then use 127.0.0.1).
   */
  host: Ipv4.optional(),
  /** VM-to-VM unix links: the socket path (stream: the listener's; dgram: the one the `a` side binds); default in the state directory. */
  path: AbsPath.optional(),
  /** VM-to-VM dgram unix links: the socket path the `b` side binds; default in the state directory. */
  peerPath: AbsPath.optional(),
  /** VM-to-VM stream links: how often the connecting side retries, in ms (QEMU >= 8.0); 0 never retries. Default 1000. */
  reconnectMs: z.number().int().min(0).max(2147483647).optional(),
  /** Rate limit and impairments, for a link realized as a tap (a guest NIC on a bridge). */
  shaping: LinkShaping.optional(),
});
export type Link = z.infer<typeof Link>;

// ---------------------------------------------------------------- document

export const Settings = z.strictObject({
  /** First port of the range derived TCP/UDP ports are taken from. */
  portBase: z.number().int().min(1024).max(60000).default(40000),
  /** Three-byte prefix of derived MACs. */
  macPrefix: z
    .string()
    .regex(/^[0-9a-fA-F]{2}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}$/, 'must be three bytes like 52:54:00')
    .default('52:54:00'),
});
export type Settings = z.infer<typeof Settings>;

export const Position = z.strictObject({ x: z.number(), y: z.number() });

/** Colours a shaded area can take; the canvas and the exports map them to the theme's tints. */
export const AREA_COLORS = ['blue', 'green', 'yellow', 'red', 'purple', 'grey'] as const;
export type AreaColor = (typeof AREA_COLORS)[number];

const Size = z.number().min(20).max(100000);

/** A text note on the canvas; `width` wraps its text (default: one line per line of text). */
export const NoteAnnotation = z.strictObject({
  id: Id,
  kind: z.literal('note'),
  x: z.number(),
  y: z.number(),
  width: Size.optional(),
  text: Text.max(4000),
});

/** A shaded rectangle behind part of the drawing (a site, a zone), with a label in its top-left corner. */
export const AreaAnnotation = z.strictObject({
  id: Id,
  kind: z.literal('area'),
  x: z.number(),
  y: z.number(),
  width: Size,
  height: Size,
  label: Text.max(200).optional(),
  color: z.enum(AREA_COLORS).default('blue'),
});

export const Annotation = z.discriminatedUnion('kind', [NoteAnnotation, AreaAnnotation]);
export type Annotation = z.infer<typeof Annotation>;
export type NoteAnnotation = z.infer<typeof NoteAnnotation>;
export type AreaAnnotation = z.infer<typeof AreaAnnotation>;

/** Everything about how the lab is drawn and nothing about what it is, so the topology part diffs cleanly. */
export const Layout = z.strictObject({
  /** Canvas positions by node id. */
  nodes: z.record(Id, Position).default({}),
  /** Notes and shaded areas, drawn behind nodes and links in file order. */
  annotations: z
    .array(Annotation)
    .default([])
    .superRefine((list, ctx) => {
      const seen = new Map<string, number>();
      list.forEach((a, i) => {
        const first = seen.get(a.id);
        if (first === undefined) seen.set(a.id, i);
        else
          ctx.addIssue({
            code: 'custom',
            path: [i, 'id'],
            message: `must be unique: annotations[${first}] has the id "${a.id}" too`,
          });
      });
    }),
});
export type Layout = z.infer<typeof Layout>;

export const CURRENT_VERSION = 2;

export const Topology = z.strictObject({
  version: z.literal(CURRENT_VERSION),
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/,
      'must be 1-48 letters, digits, "_", "-" or ".", starting with a letter or digit',
    ),
  description: Text.max(10000).optional(),
  nodes: z.array(TopologyNode).default([]),
  links: z.array(Link).default([]),
  settings: Settings.default({ portBase: 40000, macPrefix: '52:54:00' }),
  /** How the lab is drawn (positions, notes, areas), kept apart so hand edits of the topology diff cleanly. */
  layout: Layout.default({ nodes: {}, annotations: [] }),
});
export type Topology = z.infer<typeof Topology>;
/** A topology as written in a file, before defaults are applied. */
export type TopologyInput = z.input<typeof Topology>;
