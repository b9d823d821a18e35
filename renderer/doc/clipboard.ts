import { resolveEndpoint } from '../../shared/model';
import type { Link, Topology, TopologyNode } from '../../shared/model';
import { applyChange, linkNodes, type Change, type XY } from './changes';
import { freshId } from './factory';

/** What Copy takes: the selected nodes, their positions, and the links between two of them. Plain data. */
export interface Clip {
  readonly nodes: readonly TopologyNode[];
  readonly links: readonly Link[];
  readonly layout: Readonly<Record<string, XY>>;
}

/** The clip of the selected nodes (links are copied when both ends are copied). Null when nothing is selected. */
export function copyNodes(doc: Topology, ids: readonly string[]): Clip | null {
  const chosen = new Set(ids);
  const nodes = doc.nodes.filter((n) => chosen.has(n.id));
  if (nodes.length === 0) return null;
  const links = doc.links.filter((l) => linkNodes(l).every((n) => chosen.has(n)));
  const layout: Record<string, XY> = {};
  for (const n of nodes) {
    const p = doc.layout.nodes[n.id];
    if (p) layout[n.id] = p;
  }
  return { nodes, links, layout };
}

/** The stem a copy's new id is numbered from: `vm1` → `vm`, `alpha` → `alpha` (`alpha1`, `alpha2`, …). */
function stem(id: string): string {
  return id.replace(/\d+$/, '').slice(0, 28) || 'n';
}

/**
 * A pasted node: a fresh id, named after it when the original was named after its id (else a fresh name), and
 * whatever must stay unique on the host made automatic again: fixed MACs become `auto`, a created bridge's or
 * tap's interface name is derived again.
 */
function pastedNode(node: TopologyNode, id: string, name: string | undefined): TopologyNode {
  const copy = { ...node, id, ...(name !== undefined ? { name } : {}) } as TopologyNode;
  if (copy.kind === 'vm')
    return { ...copy, nics: copy.nics.map((n) => (n.mac === 'auto' ? n : { ...n, mac: 'auto' })) };
  if ((copy.kind === 'bridge' && !copy.external) || copy.kind === 'tap') {
    const { ifname: _derived, ...rest } = copy;
    return rest as TopologyNode;
  }
  return copy;
}

function remap(endpoint: string, ids: ReadonlyMap<string, string>): string {
  const { node, port } = resolveEndpoint(endpoint);
  return port === undefined ? ids.get(node)! : `${ids.get(node)!}:${port}`;
}

/**
 * The changes that paste a clip into a document, `offset` away from where it was copied: new nodes with fresh
 * ids and names, and the copied links between them (explicit ids and fixed inet ports dropped so they stay
 * unique). Dispatched together they are one undo step.
 */
export function pasteChanges(doc: Topology, clip: Clip, offset: XY): { changes: Change[]; ids: string[] } {
  const ids = new Map<string, string>();
  const changes: Change[] = [];
  let scratch = doc;
  clip.nodes.forEach((node, i) => {
    const id = freshId(scratch, stem(node.id));
    const name = node.name === undefined ? undefined : node.name === node.id ? id : freshId(scratch, stem(node.name));
    ids.set(node.id, id);
    const at = clip.layout[node.id] ?? { x: 40 + i * 20, y: 40 + i * 20 };
    const change: Change = {
      type: 'add-node',
      node: pastedNode(node, id, name),
      position: { x: at.x + offset.x, y: at.y + offset.y },
    };
    scratch = applyChange(scratch, change);
    changes.push(change);
  });
  for (const link of clip.links) {
    const { id: _id, port: _port, ...rest } = link;
    const copy: Link = { ...rest, a: remap(link.a, ids), b: remap(link.b, ids) };
    changes.push({ type: 'add-link', link: copy });
  }
  return { changes, ids: [...ids.values()] };
}
