import { CURRENT_VERSION, NODE_SCHEMAS } from '../../shared/model';
import type { NodeKind, Nic, Topology, TopologyNode, VmNode } from '../../shared/model';

/** Required fields the schema has no default for, so a freshly dropped node is valid at once. */
const SEED: Partial<Record<NodeKind, Record<string, unknown>>> = {
  l2tpv3: { src: '127.0.0.1', dst: '127.0.0.1', txsession: 1 },
  'vhost-user': { socket: '/tmp/vhost-user.sock' },
  netdev: { type: 'passt' },
};

const PREFIX: Record<NodeKind, string> = {
  vm: 'vm',
  host: 'host',
  bridge: 'br',
  tap: 'tap',
  hub: 'hub',
  vde: 'vde',
  nat: 'nat',
  mcast: 'mcast',
  l2tpv3: 'l2tp',
  'vhost-user': 'vhu',
  vdpa: 'vdpa',
  netdev: 'netdev',
  testpmd: 'pmd',
  uml: 'uml',
};

/** The first `<prefix><n>` (n from 1) not used as a node id or name. */
export function freshId(doc: Topology, prefix: string): string {
  const used = new Set(doc.nodes.flatMap((n) => [n.id, n.name ?? n.id]));
  for (let n = 1; ; n++) if (!used.has(`${prefix}${n}`)) return `${prefix}${n}`;
}

/** A new node of a kind with its schema defaults and a fresh id (its name is the id). */
export function newNode(doc: Topology, kind: NodeKind): TopologyNode {
  const id = freshId(doc, PREFIX[kind]);
  return NODE_SCHEMAS[kind].parse({ id, kind, name: id, ...SEED[kind] }) as TopologyNode;
}

/** A new NIC for a VM: the first free `ethN`, model virtio, MAC auto. */
export function newNic(vm: VmNode): Nic {
  const used = new Set(vm.nics.map((n) => n.id));
  let i = 0;
  while (used.has(`eth${i}`)) i++;
  return { id: `eth${i}`, model: 'virtio', mac: 'auto', form: 'device' };
}

/** An empty document. */
export function emptyDocument(name = 'untitled'): Topology {
  return {
    version: CURRENT_VERSION,
    name,
    nodes: [],
    links: [],
    settings: { portBase: 40000, macPrefix: '52:54:00' },
    layout: { nodes: {}, annotations: [] },
  };
}
