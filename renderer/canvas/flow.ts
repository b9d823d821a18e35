import { Position, type NodeHandle } from '@xyflow/react';
import type { Diagnostic } from '../../shared/diagnostics';
import type { Topology, TopologyNode } from '../../shared/model';
import { defaultPosition, hasNamedPorts, nodeHeight, NODE_W, portRows, rowCenter } from './geometry';
import type { Side } from './routes';
import { PLAIN_PORT, sidesKey, type TopoFlowNode, type TopoNodeData } from './TopoNode';

/** The worst severity per node id among diagnostics (errors beat warnings; infos are not marked). */
export function severities(diagnostics: readonly Diagnostic[]): Map<string, 'error' | 'warning'> {
  const out = new Map<string, 'error' | 'warning'>();
  for (const d of diagnostics) {
    if (d.severity === 'info') continue;
    for (const n of d.nodes) if (out.get(n) !== 'error') out.set(n, d.severity);
  }
  return out;
}

const dataCache = new WeakMap<TopologyNode, Map<string, TopoNodeData>>();

/** Node data with a stable identity while the node, its severity and its port sides are unchanged (memo nodes skip). */
function dataOf(node: TopologyNode, severity: 'error' | 'warning' | null, sides: string): TopoNodeData {
  let byKey = dataCache.get(node);
  if (!byKey) dataCache.set(node, (byKey = new Map()));
  const key = `${severity ?? ''}/${sides}`;
  let data = byKey.get(key);
  if (!data) {
    // One entry per node is all a document needs; older keys of this node are dropped.
    byKey.clear();
    byKey.set(key, (data = { node, severity, sides }));
  }
  return data;
}

/**
 * Where a node sits, as its wrapper's left/top instead of React Flow's translate: a transform per node is a paint
 * chunk per node, which the compositor sorts through on every frame (most of a frame's time at 2,000 nodes).
 */
export function placeStyle(at: { x: number; y: number }): { transform: string; left: number; top: number } {
  return { transform: 'none', left: at.x, top: at.y };
}

/** The handles' size on screen (CSS `.topo-handle`). */
const HANDLE = 11;

/**
 * Where a node's handles are, from the geometry: React Flow takes them as given instead of measuring every handle in
 * the DOM when nodes mount (thousands at a large open).
 */
function handlesOf(node: TopologyNode, sides: ReadonlyMap<string, string>): NodeHandle[] {
  const h = nodeHeight(node);
  const at = (id: string, position: Position, x: number, y: number): NodeHandle => ({
    id,
    type: 'source',
    position,
    x: x - HANDLE / 2,
    y: y - HANDLE / 2,
    width: HANDLE,
    height: HANDLE,
  });
  if (!hasNamedPorts(node))
    return [
      at(PLAIN_PORT, Position.Right, NODE_W, h / 2),
      at(`${PLAIN_PORT}@left`, Position.Left, 0, h / 2),
      at(`${PLAIN_PORT}@top`, Position.Top, NODE_W / 2, 0),
      at(`${PLAIN_PORT}@bottom`, Position.Bottom, NODE_W / 2, h),
    ];
  return portRows(node).map((r, i) =>
    sides.get(r.id) === 'left'
      ? at(r.id, Position.Left, 0, rowCenter(i))
      : at(r.id, Position.Right, NODE_W, rowCenter(i)),
  );
}

interface CachedNode {
  readonly position: { x: number; y: number };
  readonly selected: boolean;
  readonly node: TopoFlowNode;
}
const nodeCache = new WeakMap<TopoNodeData, CachedNode>();

/**
 * React Flow nodes of the document. A node whose data, position and selection are unchanged keeps its object, so
 * React Flow skips it (dropping one node of hundreds re-renders one node, not all). Nodes are not draggable by React
 * Flow: the canvas moves them itself (useNodeDrag) and `nopan` keeps a press on one from panning the view.
 */
export function flowNodes(
  doc: Topology,
  selected: ReadonlySet<string>,
  severity: ReadonlyMap<string, 'error' | 'warning'>,
  portSides: ReadonlyMap<string, ReadonlyMap<string, Side>>,
): TopoFlowNode[] {
  return doc.nodes.map((node, i) => {
    const data = dataOf(node, severity.get(node.id) ?? null, sidesKey(portSides.get(node.id)));
    const position = doc.layout.nodes[node.id] ?? defaultPosition(i);
    const isSelected = selected.has(node.id);
    const cached = nodeCache.get(data);
    const samePosition =
      cached &&
      (cached.position === position || (cached.position.x === position.x && cached.position.y === position.y));
    if (cached && samePosition && cached.selected === isSelected) return cached.node;
    const sides = portSides.get(node.id) ?? new Map<string, Side>();
    const flowNode: TopoFlowNode = {
      id: node.id,
      type: 'topo',
      position,
      data,
      selected: isSelected,
      className: 'nopan',
      style: placeStyle(position),
      // Known from the geometry: shown at once, no measuring round trip.
      measured: { width: NODE_W, height: nodeHeight(node) },
      handles: handlesOf(node, sides),
    };
    nodeCache.set(data, { position, selected: isSelected, node: flowNode });
    return flowNode;
  });
}
