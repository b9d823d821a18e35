import { resolveEndpoint } from '../../shared/model';
import type { Topology } from '../../shared/model';

export const NODE_W = 180;
export const NODE_H = 72;

/**
 * Positions for nodes the file gives none (layered, left to right, by elkjs); nodes with a position keep it.
 * Returns the document unchanged when every node has one.
 */
export async function autoLayout(doc: Topology): Promise<Topology> {
  const missing = doc.nodes.filter((n) => !doc.layout.nodes[n.id]);
  if (missing.length === 0) return doc;
  const ids = new Set(doc.nodes.map((n) => n.id));
  // elkjs is large: loaded only when a file without positions is opened.
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const graph = await elk.layout({
    id: 'root',
    layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.spacing.nodeNode': '40', 'elk.layered.spacing.nodeNodeBetweenLayers': '80' },
    children: doc.nodes.map((n) => ({ id: n.id, width: NODE_W, height: NODE_H })),
    edges: doc.links
      .map((l, i) => ({ id: `e${i}`, sources: [resolveEndpoint(l.a).node], targets: [resolveEndpoint(l.b).node] }))
      .filter((e) => ids.has(e.sources[0]!) && ids.has(e.targets[0]!)),
  });
  // Laid-out nodes go below whatever already has a place, so nothing overlaps.
  const placed = Object.values(doc.layout.nodes);
  const dy = placed.length ? Math.max(...placed.map((p) => p.y)) + NODE_H * 2 : 40;
  const positions = { ...doc.layout.nodes };
  for (const c of graph.children ?? []) if (!positions[c.id]) positions[c.id] = { x: Math.round((c.x ?? 0) + 40), y: Math.round((c.y ?? 0) + dy) };
  return { ...doc, layout: { ...doc.layout, nodes: positions } };
}
