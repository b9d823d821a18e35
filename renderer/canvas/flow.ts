import type { Edge } from '@xyflow/react';
import type { Diagnostic } from '../../shared/compiler';
import { linkId, resolveEndpoint } from '../../shared/model';
import type { Link, Topology, TopologyNode } from '../../shared/model';
import { PLAIN_PORT, type TopoFlowNode, type TopoNodeData } from './TopoNode';

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

/** Node data with a stable identity while the node and its severity are unchanged (memo nodes skip re-render). */
function dataOf(node: TopologyNode, severity: 'error' | 'warning' | null): TopoNodeData {
  let bySeverity = dataCache.get(node);
  if (!bySeverity) dataCache.set(node, (bySeverity = new Map()));
  const key = severity ?? '';
  let data = bySeverity.get(key);
  if (!data) bySeverity.set(key, (data = { node, severity }));
  return data;
}

interface CachedNode {
  readonly position: { x: number; y: number };
  readonly selected: boolean;
  readonly measured: { width: number; height: number } | undefined;
  readonly node: TopoFlowNode;
}
const nodeCache = new WeakMap<TopoNodeData, CachedNode>();

/**
 * React Flow nodes of the document. A node whose data, position, selection and size are unchanged keeps its object,
 * so React Flow skips it (dragging one node of hundreds re-renders one node, not all).
 */
export function flowNodes(
  doc: Topology,
  selected: ReadonlySet<string>,
  severity: ReadonlyMap<string, 'error' | 'warning'>,
  measured: ReadonlyMap<string, { width: number; height: number }>,
): TopoFlowNode[] {
  return doc.nodes.map((node, i) => {
    const m = measured.get(node.id);
    const data = dataOf(node, severity.get(node.id) ?? null);
    const position = doc.layout.nodes[node.id] ?? { x: 40 + (i % 6) * 220, y: 40 + Math.floor(i / 6) * 140 };
    const isSelected = selected.has(node.id);
    const cached = nodeCache.get(data);
    const samePosition =
      cached &&
      (cached.position === position || (cached.position.x === position.x && cached.position.y === position.y));
    if (cached && samePosition && cached.selected === isSelected && cached.measured === m) return cached.node;
    const flowNode: TopoFlowNode = {
      id: node.id,
      type: 'topo',
      position,
      data,
      selected: isSelected,
      ...(m ? { measured: m } : {}),
    };
    nodeCache.set(data, { position, selected: isSelected, measured: m, node: flowNode });
    return flowNode;
  });
}

/** React Flow edges of the document's links, labelled with how each link is realized. */
export function flowEdges(
  links: readonly Link[],
  selected: ReadonlySet<string>,
  labels: ReadonlyMap<string, string>,
  bad: ReadonlySet<string>,
): Edge[] {
  return links.map((link, i) => {
    const id = linkId(link, i);
    const a = resolveEndpoint(link.a);
    const b = resolveEndpoint(link.b);
    const label = labels.get(id);
    return {
      id,
      source: a.node,
      sourceHandle: a.port ?? PLAIN_PORT,
      target: b.node,
      targetHandle: b.port ?? PLAIN_PORT,
      selected: selected.has(id),
      className: bad.has(id) ? 'has-error' : undefined,
      ...(label ? { label, labelBgPadding: [4, 2] as [number, number], labelBgBorderRadius: 3 } : {}),
    };
  });
}
