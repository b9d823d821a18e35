import { resolveEndpoint } from '../../shared/model';
import type { Link, Topology, TopologyNode } from '../../shared/model';
import { applyChange, type Change, type XY } from './changes';
import { freshId } from './factory';

/**
 * The changes that add an imported drawing to a document, as one undo step: its nodes as they are (MACs, ports and
 * interface names are what the command lines said), renamed only where an id or a name is taken already, its links
 * between them, its positions moved right of what is drawn (or to `at`). `renamed` maps imported ids to new ones.
 */
export function importChanges(
  doc: Topology,
  imported: Topology,
  at?: XY,
): { changes: Change[]; ids: string[]; renamed: Map<string, string> } {
  const placed = Object.values(doc.layout.nodes);
  const own = Object.values(imported.layout.nodes);
  const left = own.length ? Math.min(...own.map((p) => p.x)) : 0;
  const top = own.length ? Math.min(...own.map((p) => p.y)) : 0;
  const origin =
    at ??
    (placed.length
      ? { x: Math.max(...placed.map((p) => p.x)) + 300, y: Math.min(...placed.map((p) => p.y)) }
      : { x: left, y: top });
  const renamed = new Map<string, string>();
  const changes: Change[] = [];
  let scratch = doc;
  const taken = (s: string) => scratch.nodes.some((n) => n.id === s || n.name === s);
  imported.nodes.forEach((node, i) => {
    const id = taken(node.id) ? freshId(scratch, node.id.replace(/\d+$/, '').slice(0, 28) || 'n') : node.id;
    renamed.set(node.id, id);
    const name =
      node.name === undefined
        ? undefined
        : node.name === node.id
          ? id
          : taken(node.name)
            ? freshId(scratch, id)
            : node.name;
    const p = imported.layout.nodes[node.id] ?? { x: i * 40, y: i * 40 };
    const change: Change = {
      type: 'add-node',
      node: { ...node, id, ...(name !== undefined ? { name } : {}) } as TopologyNode,
      position: { x: Math.round(origin.x + p.x - left), y: Math.round(origin.y + p.y - top) },
    };
    scratch = applyChange(scratch, change);
    changes.push(change);
  });
  const remap = (endpoint: string) => {
    const { node, port } = resolveEndpoint(endpoint);
    const id = renamed.get(node) ?? node;
    return port === undefined ? id : `${id}:${port}`;
  };
  for (const link of imported.links)
    changes.push({ type: 'add-link', link: { ...link, a: remap(link.a), b: remap(link.b) } as Link });
  return { changes, ids: [...renamed.values()], renamed };
}
