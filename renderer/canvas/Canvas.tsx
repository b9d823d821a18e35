import {
  Background,
  ConnectionMode,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type MouseEvent } from 'react';
import { NODE_KINDS, type NodeKind } from '../../shared/model';
import { newNode } from '../doc/factory';
import { usePlan } from '../plan/usePlan';
import { editor, useEditor } from '../store/editor';
import { useEffectiveTheme } from '../store/theme';
import { linkFromWire } from './connect';
import { labelsOf } from '../plan/linkLabels';
import { flowEdges, flowNodes, severities } from './flow';
import { menuContext, NodeMenu, type NodeMenuAt } from './NodeMenu';
import { openNodeConsole } from './nodeMenuItems';
import { TopoNode, type TopoFlowNode } from './TopoNode';
import { importText } from '../files/importText';

/** MIME type of a palette drag. */
export const KIND_MIME = 'application/x-qnet-kind';

const nodeTypes = { topo: TopoNode };
const SNAP: [number, number] = [10, 10];
const NO_ISSUES = new Map<string, 'error' | 'warning'>();

function selectionAfter(
  current: readonly string[],
  changes: readonly { type: string; id?: string; selected?: boolean }[],
): string[] {
  const set = new Set(current);
  for (const c of changes) {
    if (c.type !== 'select' || !c.id) continue;
    if (c.selected) set.add(c.id);
    else set.delete(c.id);
  }
  return [...set];
}

/** The canvas: nodes and links of the document; every edit goes to the store as a typed change. */
export function Canvas() {
  const doc = useEditor((s) => s.doc);
  const selection = useEditor((s) => s.selection);
  const reveal = useEditor((s) => s.reveal);
  const result = usePlan();
  const plan = result?.ok ? result.plan : null;
  const measured = useRef(new Map<string, { width: number; height: number }>());
  const flow = useReactFlow();
  const colorMode = useEffectiveTheme();

  const severity = useMemo(() => (plan ? severities(plan.diagnostics) : NO_ISSUES), [plan]);
  const badLinks = useMemo(
    () => new Set(plan?.diagnostics.filter((d) => d.severity === 'error').flatMap((d) => d.links) ?? []),
    [plan],
  );
  // Labels and edges depend on nodes and links, not on where nodes are: a drag leaves them (and React Flow's 600
  // edge components) alone.
  const labels = labelsOf(doc, plan);
  const docLinks = doc.links;
  const selectedNodes = useMemo(() => new Set(selection.nodes), [selection.nodes]);
  const selectedLinks = useMemo(() => new Set(selection.links), [selection.links]);
  const nodes = useMemo(
    () => flowNodes(doc, selectedNodes, severity, measured.current),
    [doc, selectedNodes, severity],
  );
  const edges = useMemo(
    () => flowEdges(docLinks, selectedLinks, labels, badLinks),
    [docLinks, selectedLinks, labels, badLinks],
  );

  useEffect(() => {
    if (reveal.seq === 0) return;
    const ids = reveal.nodes.length ? reveal.nodes.map((id) => ({ id })) : undefined;
    // After the nodes of a just-opened document have been measured.
    const raf = requestAnimationFrame(
      () => void flow.fitView({ nodes: ids, duration: 200, maxZoom: 1.25, padding: 0.3 }),
    );
    return () => cancelAnimationFrame(raf);
  }, [reveal, flow]);

  const onNodesChange = useCallback((changes: NodeChange<TopoFlowNode>[]) => {
    const s = editor.getState();
    const moves = [];
    for (const c of changes) {
      if (c.type === 'dimensions' && c.dimensions) measured.current.set(c.id, c.dimensions);
      if (c.type === 'position' && c.position) moves.push({ id: c.id, position: c.position });
    }
    // A drag records once, at its end (onNodeDragStop); the frames in between are not undo steps.
    if (moves.length) s.dispatch([{ type: 'move-nodes', moves }], { kind: 'none' });
    if (changes.some((c) => c.type === 'select'))
      s.select({ nodes: selectionAfter(s.selection.nodes, changes), links: s.selection.links });
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    const s = editor.getState();
    if (changes.some((c) => c.type === 'select'))
      s.select({ nodes: s.selection.nodes, links: selectionAfter(s.selection.links, changes) });
  }, []);

  const onConnect = useCallback((c: Connection) => {
    const s = editor.getState();
    const r = linkFromWire(s.doc, c);
    if (!r.ok) return s.notify('error', `Link refused: ${r.reason}`);
    s.dispatch([{ type: 'add-link', link: r.link }]);
  }, []);

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(KIND_MIME) && !e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      // A script or a file of QEMU command lines dropped here is imported where it was dropped.
      const file = e.dataTransfer.files[0];
      if (file) {
        e.preventDefault();
        const at = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        void file.text().then((text) => importText(text, file.name, { x: Math.round(at.x), y: Math.round(at.y) }));
        return;
      }
      const kind = e.dataTransfer.getData(KIND_MIME) as NodeKind;
      if (!NODE_KINDS.includes(kind)) return;
      e.preventDefault();
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const s = editor.getState();
      const node = newNode(s.doc, kind);
      s.dispatch([
        { type: 'add-node', node, position: { x: Math.round(p.x / 10) * 10, y: Math.round(p.y / 10) * 10 } },
      ]);
      s.select({ nodes: [node.id], links: [] });
    },
    [flow],
  );

  const onPaneClick = useCallback(() => editor.getState().select({ nodes: [], links: [] }), []);

  const [menu, setMenu] = useState<NodeMenuAt | null>(null);
  const closeMenu = useCallback(() => setMenu(null), []);
  const onNodeContextMenu = useCallback((e: MouseEvent, node: TopoFlowNode) => {
    e.preventDefault();
    setMenu({ node: node.id, kind: node.data.node.kind, x: e.clientX, y: e.clientY });
  }, []);
  // A running VM's console; otherwise a double-click does what its two clicks did (select).
  const onNodeDoubleClick = useCallback(
    (_: MouseEvent, node: TopoFlowNode) => void openNodeConsole(menuContext(), node.id),
    [],
  );

  return (
    <div className="canvas" data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onNodeDragStart={() => editor.getState().beginInteraction()}
        onNodeDragStop={() => editor.getState().endInteraction()}
        onPaneClick={onPaneClick}
        onNodeContextMenu={onNodeContextMenu}
        onNodeDoubleClick={onNodeDoubleClick}
        onMoveStart={closeMenu}
        connectionMode={ConnectionMode.Loose}
        colorMode={colorMode}
        // Arrow keys nudge through the action registry (one undo step per press), not React Flow's own handler.
        disableKeyboardA11y
        deleteKeyCode={null}
        selectionKeyCode={null}
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        snapToGrid
        snapGrid={SNAP}
        minZoom={0.1}
        fitView
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        <MiniMap pannable zoomable className="minimap" />
        <Controls showInteractive={false} />
      </ReactFlow>
      {menu ? <NodeMenu at={menu} onClose={closeMenu} /> : null}
      {doc.nodes.length === 0 ? (
        <div className="canvas__empty" data-testid="canvas__empty">
          Drag a VM from the palette to start, or open an example.
        </div>
      ) : null}
    </div>
  );
}
