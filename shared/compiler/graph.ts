import { linkId, linkKey, resolveEndpoint } from '../model/endpoint';
import { linkRule, portRule, type Realization } from '../model/links';
import type { Link, Topology, TopologyNode, VmNode } from '../model/schema';
import { nicKey } from './mac';

/** One end of a usable link. */
export interface LinkEnd {
  readonly node: TopologyNode;
  /** The VM's NIC id or the host's interface name. */
  readonly port: string | undefined;
}

/** A link that checkStructure accepts, resolved to its nodes and its realization. */
export interface LinkInfo {
  readonly id: string;
  readonly link: Link;
  readonly a: LinkEnd;
  readonly b: LinkEnd;
  readonly realization: Realization;
}

/** The topology indexed for compiling: sorted VMs, usable links by NIC and by node. */
export interface Graph {
  readonly nodes: ReadonlyMap<string, TopologyNode>;
  /** VMs sorted by id. */
  readonly vms: readonly VmNode[];
  /** Usable links sorted by id. */
  readonly links: readonly LinkInfo[];
  /** The link on each VM NIC, by nicKey(vm, nic). */
  readonly nicLink: ReadonlyMap<string, LinkInfo>;
  /** The links of each node, sorted by id. */
  readonly nodeLinks: ReadonlyMap<string, readonly LinkInfo[]>;
}

const byId = <T extends { readonly id: string }>(x: T, y: T): number => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);

function hasPort(n: TopologyNode, port: string): boolean {
  if (n.kind === 'vm' || n.kind === 'uml') return n.nics.some((nic) => nic.id === port);
  if (n.kind === 'host') return n.interfaces.some((itf) => itf.name === port);
  return false;
}

function resolveEnd(nodes: Map<string, TopologyNode>, endpoint: string): LinkEnd | null {
  const { node, port } = resolveEndpoint(endpoint);
  const n = nodes.get(node);
  if (!n) return null;
  const rule = portRule(n.kind);
  if (rule.ports === 'required' ? port === undefined || !hasPort(n, port) : port !== undefined) return null;
  return { node: n, port };
}

/**
 * Index a topology. Links that checkStructure reports (dangling, unsupported, a port used twice, …) are left out
 * here, so the compiler only ever sees links it can realize. As in checkStructure, the first link in file order
 * wins a contested port or a repeated id, and the later one is dropped; the kept links are then sorted by id.
 */
export function buildGraph(t: Topology): Graph {
  const nodes = new Map<string, TopologyNode>();
  for (const n of t.nodes) if (!nodes.has(n.id)) nodes.set(n.id, n);
  const vms = [...nodes.values()].filter((n): n is VmNode => n.kind === 'vm').sort(byId);

  const candidates = t.links.map((link) => ({ id: linkId(link), key: linkKey(link), link }));

  const links: LinkInfo[] = [];
  const seenIds = new Set<string>();
  const seenKeys = new Set<string>();
  const portUse = new Set<string>();
  const tapUse = new Set<string>();
  for (const c of candidates) {
    if (seenIds.has(c.id) || seenKeys.has(c.key)) continue;
    const a = resolveEnd(nodes, c.link.a);
    const b = resolveEnd(nodes, c.link.b);
    if (!a || !b || a.node === b.node) continue;
    const rule = linkRule(a.node.kind, b.node.kind);
    if (!rule.ok) continue;
    const uses: string[] = [];
    for (const [end, other] of [
      [a, b],
      [b, a],
    ] as const) {
      if (end.node.kind === 'tap')
        uses.push(`tap\u0000${end.node.id}\u0000${other.node.kind === 'bridge' ? 'bridge' : 'qemu'}`);
      else if (portRule(end.node.kind).maxLinks !== null)
        uses.push(end.port !== undefined ? `${end.node.id}:${end.port}` : end.node.id);
    }
    if (uses.some((u) => portUse.has(u) || tapUse.has(u))) continue;
    for (const u of uses) (u.startsWith('tap\u0000') ? tapUse : portUse).add(u);
    seenIds.add(c.id);
    seenKeys.add(c.key);
    links.push({ id: c.id, link: c.link, a, b, realization: rule.realization });
  }
  links.sort(byId);

  const nicLink = new Map<string, LinkInfo>();
  const nodeLinks = new Map<string, LinkInfo[]>();
  for (const l of links) {
    for (const end of [l.a, l.b]) {
      if (end.node.kind === 'vm' && end.port !== undefined) nicLink.set(nicKey(end.node.id, end.port), l);
      const list = nodeLinks.get(end.node.id);
      if (list) list.push(l);
      else nodeLinks.set(end.node.id, [l]);
    }
  }
  return { nodes, vms, links, nicLink, nodeLinks };
}

/** The end of `l` that is not node `nodeId` (for a VM, not its NIC `port`). */
export function otherEnd(l: LinkInfo, nodeId: string, port?: string): LinkEnd {
  if (l.a.node.id === nodeId && (port === undefined || l.a.port === port)) return l.b;
  return l.a;
}

/** The side (`a` or `b`) at which node `nodeId` sits on `l`. */
export function sideOf(l: LinkInfo, nodeId: string): 'a' | 'b' {
  return l.a.node.id === nodeId ? 'a' : 'b';
}
