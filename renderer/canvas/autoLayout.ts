import { resolveEndpoint } from '../../shared/model';
import type { Topology } from '../../shared/model';
import type { Change } from '../doc/changes';
import { nodeGeoms, type XY } from './geometry';

const GRID = 10;
const snap = (v: number) => Math.round(v / GRID) * GRID;

/**
 * Positions for the nodes `ids` from elkjs's layered layout, left to right, at the nodes' real sizes; the others are
 * left out of the layout (and keep their places). Relative to (0, 0).
 */
async function elkPositions(doc: Topology, ids: ReadonlySet<string>): Promise<Map<string, XY>> {
  const geoms = nodeGeoms(doc);
  // elkjs is large: loaded only when a layout is asked for.
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const graph = await new ELK().layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '50',
      'elk.layered.spacing.nodeNodeBetweenLayers': '110',
      'elk.spacing.componentComponent': '80',
    },
    children: doc.nodes
      .filter((n) => ids.has(n.id))
      .map((n) => ({ id: n.id, width: geoms.get(n.id)!.w, height: geoms.get(n.id)!.h })),
    edges: doc.links
      .map((l, i) => ({ id: `e${i}`, sources: [resolveEndpoint(l.a).node], targets: [resolveEndpoint(l.b).node] }))
      .filter((e) => ids.has(e.sources[0]!) && ids.has(e.targets[0]!) && e.sources[0] !== e.targets[0]),
  });
  const children = graph.children ?? [];
  // elkjs pads the graph: its top-left node is at (0, 0) here.
  const mx = Math.min(...children.map((c) => c.x ?? 0));
  const my = Math.min(...children.map((c) => c.y ?? 0));
  return new Map(children.map((c) => [c.id, { x: snap((c.x ?? 0) - mx), y: snap((c.y ?? 0) - my) }]));
}

/**
 * Positions for nodes the file gives none (a file written by hand or an import), laid out below whatever already
 * has a place so nothing overlaps. Returns the document unchanged when every node has one.
 */
export async function autoLayout(doc: Topology): Promise<Topology> {
  const missing = new Set(doc.nodes.filter((n) => !doc.layout.nodes[n.id]).map((n) => n.id));
  if (missing.size === 0) return doc;
  const laid = await elkPositions(doc, missing);
  const placed = doc.nodes.filter((n) => !missing.has(n.id)).map((n) => nodeGeoms(doc).get(n.id)!);
  const dy = placed.length ? snap(Math.max(...placed.map((g) => g.y + g.h)) + 80) : 40;
  const positions = { ...doc.layout.nodes };
  for (const [id, p] of laid) positions[id] = { x: p.x + 40, y: p.y + dy };
  return { ...doc, layout: { ...doc.layout, nodes: positions } };
}

/**
 * Tidy layout: every node placed again by elkjs (layered, left to right, links mostly running one way), the drawing's
 * top-left corner kept where it was. One `move-nodes` change, so one undo step; null when nothing would move.
 */
export async function tidyLayout(doc: Topology): Promise<Change | null> {
  if (doc.nodes.length === 0) return null;
  const geoms = nodeGeoms(doc);
  const laid = await elkPositions(doc, new Set(doc.nodes.map((n) => n.id)));
  const x0 = Math.min(...[...geoms.values()].map((g) => g.x));
  const y0 = Math.min(...[...geoms.values()].map((g) => g.y));
  const moves = doc.nodes.flatMap((n) => {
    const p = laid.get(n.id);
    const g = geoms.get(n.id)!;
    if (!p) return [];
    const position = { x: snap(x0 + p.x), y: snap(y0 + p.y) };
    return position.x === g.x && position.y === g.y ? [] : [{ id: n.id, position }];
  });
  return moves.length ? { type: 'move-nodes', moves } : null;
}
