import type { NodeKind } from './schema';

/**
 * What a link between two node kinds means, as data: DESIGN.md's realization table. The compiler switches on the
 * realization; the editor asks the same table whether a wire may be drawn and shows the refusal as-is.
 */

export type Realization =
  | 'vm-bridge'
  | 'vm-tap'
  | 'tap-bridge'
  | 'vm-vm'
  | 'vm-hub'
  | 'hub-backend'
  | 'vm-vde'
  | 'vm-nat'
  | 'vm-mcast'
  | 'vm-l2tpv3'
  | 'vm-vhost-user'
  | 'vm-vdpa'
  | 'vm-netdev'
  | 'vm-testpmd'
  | 'uml-mcast'
  | 'uml-vde'
  | 'uml-bridge'
  | 'bridge-uplink';

export type LinkRule =
  { readonly ok: true; readonly realization: Realization } | { readonly ok: false; readonly reason: string };

/** Backends a hub can reach through `hubport,netdev=…`. */
export const HUB_BACKENDS: readonly NodeKind[] = [
  'nat',
  'vde',
  'tap',
  'bridge',
  'mcast',
  'l2tpv3',
  'vhost-user',
  'vdpa',
  'netdev',
];

const VM_REALIZATION: Record<NodeKind, Realization | null> = {
  vm: 'vm-vm',
  host: null,
  bridge: 'vm-bridge',
  tap: 'vm-tap',
  hub: 'vm-hub',
  vde: 'vm-vde',
  nat: 'vm-nat',
  mcast: 'vm-mcast',
  l2tpv3: 'vm-l2tpv3',
  'vhost-user': 'vm-vhost-user',
  vdpa: 'vm-vdpa',
  netdev: 'vm-netdev',
  testpmd: 'vm-testpmd',
  uml: null,
};

/** What a UML interface can join, as `linux.uml` transports QEMU shares: `mcast`, `vde`, `tuntap` (a tap on a bridge). */
const UML_REALIZATION: Partial<Record<NodeKind, Realization>> = {
  mcast: 'uml-mcast',
  vde: 'uml-vde',
  bridge: 'uml-bridge',
};

const LABEL: Record<NodeKind, string> = {
  vm: 'VM',
  host: 'host',
  bridge: 'bridge',
  tap: 'tap',
  hub: 'hub',
  vde: 'VDE switch',
  nat: 'NAT network',
  mcast: 'multicast segment',
  l2tpv3: 'L2TPv3 tunnel',
  'vhost-user': 'vhost-user port',
  vdpa: 'vDPA device',
  netdev: 'netdev',
  testpmd: 'testpmd switch',
  uml: 'UML instance',
};

/** Backends a QEMU netdev opens: each one is the far end of exactly one NIC or hubport. */
const NETDEV_BACKENDS = new Set<NodeKind>(['nat', 'vde', 'mcast', 'l2tpv3', 'vhost-user', 'vdpa', 'netdev', 'testpmd']);

function refuse(a: NodeKind, b: NodeKind): string {
  const pair = new Set([a, b]);
  const has = (k: NodeKind) => pair.has(k);
  if (a === b) {
    if (a === 'bridge') return 'two bridges cannot be linked directly: put a VM or tap between them';
    if (a === 'tap') return 'two taps cannot be linked directly: link each tap to a bridge, or link VMs instead';
    if (a === 'hub') return 'two hubs cannot be linked directly: use one hub, or a VDE switch to join several';
    if (a === 'host') return 'two hosts cannot be linked: link a bridge to a host interface instead';
    if (a === 'vde') return 'two VDE switches cannot be linked directly: use one switch, or a VM between them';
    if (a === 'uml')
      return 'two UML instances cannot be linked directly: link each to one multicast segment, VDE switch or bridge';
    return `two ${LABEL[a]}s cannot be linked directly: link each to a VM`;
  }
  if (has('uml')) {
    const other = a === 'uml' ? b : a;
    if (other === 'vm')
      return 'a UML instance cannot be linked to a VM directly: link both to one multicast segment, VDE switch or bridge';
    return `a UML instance joins multicast segments, VDE switches and bridges only, not a ${LABEL[other]}: link it to one of those, and that to VMs`;
  }
  if (has('host')) {
    const other = a === 'host' ? b : a;
    if (other === 'vm')
      return 'a VM cannot use a host interface directly: link the VM to a bridge and the bridge to the host interface';
    return `a host interface can only be an uplink of a bridge, not of a ${LABEL[other]}`;
  }
  if (has('tap')) {
    const other = a === 'tap' ? b : a;
    return `a tap links only to a VM, a hub or a bridge, not to a ${LABEL[other]}: link the ${LABEL[other]} to a VM instead`;
  }
  if (has('bridge')) {
    const other = a === 'bridge' ? b : a;
    return `a bridge cannot be linked to a ${LABEL[other]} directly: put a VM or a hub between them`;
  }
  if (NETDEV_BACKENDS.has(a) && NETDEV_BACKENDS.has(b)) {
    return `a ${LABEL[a]} and a ${LABEL[b]} cannot be linked directly: both are QEMU backends, join them through a VM or a hub`;
  }
  return `a ${LABEL[a]} cannot be linked to a ${LABEL[b]}`;
}

/** Whether a link between two node kinds is allowed (order-insensitive), and how it is realized or why not. */
export function linkRule(kindA: NodeKind, kindB: NodeKind): LinkRule {
  if (kindA === 'uml' || kindB === 'uml') {
    const realization = UML_REALIZATION[kindA === 'uml' ? kindB : kindA];
    if (realization) return { ok: true, realization };
  }
  if (kindA === 'vm' || kindB === 'vm') {
    const other = kindA === 'vm' ? kindB : kindA;
    const realization = VM_REALIZATION[other];
    if (realization) return { ok: true, realization };
  } else if (kindA === 'hub' || kindB === 'hub') {
    const other = kindA === 'hub' ? kindB : kindA;
    if (HUB_BACKENDS.includes(other)) return { ok: true, realization: 'hub-backend' };
  } else if ((kindA === 'tap' && kindB === 'bridge') || (kindA === 'bridge' && kindB === 'tap')) {
    return { ok: true, realization: 'tap-bridge' };
  } else if ((kindA === 'bridge' && kindB === 'host') || (kindA === 'host' && kindB === 'bridge')) {
    return { ok: true, realization: 'bridge-uplink' };
  }
  return { ok: false, reason: refuse(kindA, kindB) };
}

export interface PortRule {
  /** `required`: every link names a port (a VM's NIC id, a host's interface); `none`: links name no port. */
  readonly ports: 'required' | 'none';
  /** What a port is called in messages. */
  readonly portNoun?: string;
  /** Most links one port (named ports) or the node itself (no ports) takes; null for any number. */
  readonly maxLinks: number | null;
}

/** How each node kind takes links: named ports or not, and how many links. */
export const PORT_RULES: Readonly<Record<NodeKind, PortRule>> = {
  vm: { ports: 'required', portNoun: 'NIC', maxLinks: 1 },
  host: { ports: 'required', portNoun: 'interface', maxLinks: 1 },
  uml: { ports: 'required', portNoun: 'interface', maxLinks: 1 },
  // At most one VM-or-hub link and one bridge link; checked apart (TAP_LINKS).
  tap: { ports: 'none', maxLinks: 2 },
  l2tpv3: { ports: 'none', maxLinks: 1 },
  'vhost-user': { ports: 'none', maxLinks: 1 },
  vdpa: { ports: 'none', maxLinks: 1 },
  netdev: { ports: 'none', maxLinks: 1 },
  // testpmd's io forwarding pairs port 0 with port 1: the compiler says when it has other than two (TESTPMD_PORTS).
  testpmd: { ports: 'none', maxLinks: null },
  bridge: { ports: 'none', maxLinks: null },
  hub: { ports: 'none', maxLinks: null },
  vde: { ports: 'none', maxLinks: null },
  nat: { ports: 'none', maxLinks: null },
  mcast: { ports: 'none', maxLinks: null },
};

/** The port rule of a node kind. */
export function portRule(kind: NodeKind): PortRule {
  return PORT_RULES[kind];
}

/** A human label for a node kind, for messages ("VDE switch"). */
export function kindLabel(kind: NodeKind): string {
  return LABEL[kind];
}
