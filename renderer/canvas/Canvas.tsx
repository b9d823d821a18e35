import {
  Background,
  ConnectionMode,
  ControlButton,
  Controls,
  Panel,
  ReactFlow,
  useReactFlow,
  useStore,
  type Connection,
  type NodeChange,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type MouseEvent } from 'react';
import { NODE_KINDS, type NodeKind } from '../../shared/model';
import { newNode } from '../doc/factory';
import { useLab } from '../lab/labStore';
import { usePlan } from '../plan/usePlan';
import { editor, useEditor } from '../store/editor';
import { useEffectiveTheme } from '../store/theme';
import { labelsOf } from '../plan/linkLabels';
import { linkFromWire, reattach } from './connect';
import { flowNodes, severities } from './flow';
import { LinkLayer } from './LinkLayer';
import type { LinkMarks } from './linkPainter';
import type { LinkView } from './linkView';
import { Minimap, minimapSize, useMinimapPref } from './Minimap';
import { ANNOTATION_PREFIX, attachNodeDrag, GRID } from './nodeDrag';
import { NodeMenu, type NodeMenuAt } from './NodeMenu';
import { LinkMenu, type LinkMenuAt } from './LinkMenu';
import { installProbe } from './probe';
import { sceneOf } from './scene';
import { TopoNode, type TopoFlowNode } from './TopoNode';
import { AreaNode, NoteNode } from './AnnotationNodes';
import { looseOf } from './looseEnds';
import { LooseNode, looseFlowNodes, type LooseFlowNode } from './LooseNode';
import { annotationFlowNodes, type AreaFlowNode, type NoteFlowNode } from './annotations';
import { ACTIONS, openNodeConsole, type Action, type AppCommands } from '../actions/registry';
import { actionContext, useEnabled } from '../actions/context';
import { nodeGeom } from './geometry';
import { freeSpot } from './placement';
import { setViewCenterSource } from './viewCenter';
import { useConnecting } from './connecting';
import { importText } from '../files/importText';

/** MIME type of a palette drag. */
export const KIND_MIME = 'application/x-qnet-kind';

const nodeTypes = { topo: TopoNode, note: NoteNode, area: AreaNode, loose: LooseNode };
const NO_ISSUES = new Map<string, 'error' | 'warning'>();
const NO_EDGES: never[] = [];
/** The canvas tools need no window commands (files, dialogs). */
const NO_APP = {} as AppCommands;
const MULTI_KEYS = ['Shift', 'Meta', 'Control'];
const PRO_OPTIONS = { hideAttribution: true };

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

type FlowNode = TopoFlowNode | NoteFlowNode | AreaFlowNode | LooseFlowNode;

/** The canvas's own tools (top left): notes, areas, tidy layout, from the action registry. */
const TOOLS: readonly Action[] = ACTIONS.filter((a) => a.toolbar === 'canvas');
const TOOL_LABEL: Record<string, string> = { addNote: '+ Note', addArea: '+ Area', tidyLayout: 'Tidy layout' };

function CanvasTool({ action }: { action: Action }) {
  const enabled = useEnabled(TOOLS, () => actionContext(NO_APP));
  return (
    <button
      type="button"
      data-testid={`canvas__${action.name}`}
      title={action.label}
      disabled={!enabled(action)}
      onClick={() => action.perform(actionContext(NO_APP))}
    >
      {TOOL_LABEL[action.name] ?? action.label}
    </button>
  );
}

/** The minimap in the bottom-right corner, shown when wanted and when the canvas has room for it. */
function MinimapCorner({ on, view }: { on: boolean; view: React.MutableRefObject<LinkView | null> }) {
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  const size = minimapSize(width, height);
  if (!on || !size) return null;
  return (
    <Panel position="bottom-right" className="minimap-panel">
      <Minimap view={view} size={size} />
    </Panel>
  );
}

/**
 * The canvas. React Flow draws the nodes and handles and owns the viewport and node selection; links are painted on
 * a canvas layer under the nodes (LinkLayer), hovered and selected by hit tests against their routes; nodes are
 * dragged by the canvas itself (nodeDrag.ts). Every edit goes to the store as a typed change.
 */
export function Canvas() {
  const doc = useEditor((s) => s.doc);
  const selection = useEditor((s) => s.selection);
  const reveal = useEditor((s) => s.reveal);
  const result = usePlan();
  const plan = result?.ok ? result.plan : null;
  const flow = useReactFlow();
  const colorMode = useEffectiveTheme();
  const view = useRef<LinkView | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const [minimapOn, setMinimapOn] = useMinimapPref();

  // What stopped the last launch (preflight) marks its nodes too.
  const labProblems = useLab((s) => s.problems);
  const severity = useMemo(
    () =>
      plan ? severities(labProblems.length ? [...labProblems, ...plan.diagnostics] : plan.diagnostics) : NO_ISSUES,
    [plan, labProblems],
  );
  const badLinks = useMemo(
    () => new Set(plan?.diagnostics.filter((d) => d.severity === 'error').flatMap((d) => d.links) ?? []),
    [plan],
  );
  const labels = labelsOf(doc, plan);
  const scene = sceneOf(doc, labels);
  const selectedNodes = useMemo(() => new Set(selection.nodes), [selection.nodes]);
  const selectedNotes = useMemo(() => new Set(selection.annotations ?? []), [selection.annotations]);
  const selectedLinks = useMemo(() => new Set(selection.links), [selection.links]);
  const topoNodes = useMemo(
    () => flowNodes(doc, selectedNodes, severity, scene.routing.portSides),
    [doc, selectedNodes, severity, scene],
  );
  const notes = useMemo(() => annotationFlowNodes(doc, selectedNotes), [doc, selectedNotes]);
  const loose = useMemo(() => looseFlowNodes(scene.loose), [scene]);
  // Areas first: under the nodes in the DOM too, whatever their z-index.
  const nodes = useMemo<FlowNode[]>(
    () => (notes.length || loose.length ? [...notes, ...topoNodes, ...loose] : topoNodes),
    [notes, topoNodes, loose],
  );
  const labLinks = useLab((s) => s.links);
  const labRunning = useLab((s) => s.state === 'running');
  const downLinks = useMemo(
    () => new Set(labRunning ? Object.entries(labLinks).flatMap(([id, up]) => (up ? [] : [id])) : []),
    [labLinks, labRunning],
  );
  const labCaptures = useLab((s) => s.captures);
  const capturing = useMemo(() => new Set(Object.keys(labCaptures)), [labCaptures]);
  const marks = useMemo<LinkMarks>(
    () => ({ selected: selectedLinks, errors: badLinks, hovered: null, down: downLinks, capturing }),
    [selectedLinks, badLinks, downLinks, capturing],
  );

  useEffect(() => {
    if (reveal.seq === 0) return;
    const ids = reveal.nodes.length ? reveal.nodes.map((id) => ({ id })) : undefined;
    // After React Flow has the just-opened document's nodes.
    const raf = requestAnimationFrame(
      () => void flow.fitView({ nodes: ids, duration: 200, maxZoom: 1.25, padding: 0.3 }),
    );
    return () => cancelAnimationFrame(raf);
  }, [reveal, flow]);

  useEffect(
    () =>
      attachNodeDrag(root.current!, {
        view: () => view.current,
        viewport: () => flow.getViewport(),
        panBy: (dx, dy) => {
          const vp = flow.getViewport();
          void flow.setViewport({ x: vp.x + dx, y: vp.y + dy, zoom: vp.zoom });
        },
        editor: () => editor.getState(),
      }),
    [flow],
  );
  useEffect(() => installProbe(view), []);
  useEffect(() => {
    setViewCenterSource(() => {
      const box = root.current!.getBoundingClientRect();
      return flow.screenToFlowPosition({ x: box.x + box.width / 2, y: box.y + box.height / 2 });
    });
    return () => setViewCenterSource(null);
  }, [flow]);

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    if (!changes.some((c) => c.type === 'select')) return;
    const s = editor.getState();
    const isNote = (c: NodeChange<FlowNode>) => 'id' in c && c.id.startsWith(ANNOTATION_PREFIX);
    const noteChanges = changes
      .filter(isNote)
      .map((c) => ({ ...c, id: 'id' in c ? c.id.slice(ANNOTATION_PREFIX.length) : '' }));
    const annotations = selectionAfter(s.selection.annotations ?? [], noteChanges);
    s.select({
      nodes: selectionAfter(
        s.selection.nodes,
        changes.filter((c) => !isNote(c)),
      ),
      links: s.selection.links,
      ...(annotations.length ? { annotations } : {}),
    });
  }, []);

  const onConnect = useCallback((c: Connection) => {
    const s = editor.getState();
    // A loose end dragged onto a node or port: its link is reattached there, in one undo step.
    const end = looseOf(c.source) ?? looseOf(c.target);
    if (end) {
      const to = looseOf(c.source)
        ? { node: c.target, handle: c.targetHandle }
        : { node: c.source, handle: c.sourceHandle };
      const r = reattach(s.doc, end.link, end.side, to);
      if (!r.ok) return s.notify('error', `Link refused: ${r.reason}`);
      return s.dispatch([
        ...(r.replaces.length > 0 ? [{ type: 'remove' as const, nodes: [], links: r.replaces }] : []),
        { type: 'replace-link', id: end.link, link: r.link },
      ]);
    }
    const r = linkFromWire(s.doc, c);
    if (!r.ok) return s.notify('error', `Link refused: ${r.reason}`);
    // A port a dangling link of the file held is re-attached: that link goes in the same undo step.
    s.dispatch([
      ...(r.replaces.length > 0 ? [{ type: 'remove' as const, nodes: [], links: r.replaces }] : []),
      { type: 'add-link', link: r.link },
    ]);
  }, []);

  // Stable, like every prop of <ReactFlow>: a new function each render is written back into React Flow's store.
  const onConnectStart = useCallback(() => useConnecting.setState({ on: true }), []);
  const onConnectEnd = useCallback(() => useConnecting.setState({ on: false }), []);

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
      const want = { x: Math.round(p.x / GRID) * GRID, y: Math.round(p.y / GRID) * GRID };
      // Never on top of another node: the nearest free place (and the view stays as it is).
      s.dispatch([{ type: 'add-node', node, position: freeSpot(s.doc, want, nodeGeom(node, want)) }]);
      s.select({ nodes: [node.id], links: [] });
    },
    [flow],
  );

  const linkAt = useCallback(
    (e: MouseEvent) => view.current?.hit(flow.screenToFlowPosition({ x: e.clientX, y: e.clientY })) ?? null,
    [flow],
  );

  // A click on a link selects it (Shift/Ctrl/Cmd adds or removes it); on the empty pane it clears the selection.
  const onPaneClick = useCallback(
    (e: MouseEvent) => {
      const s = editor.getState();
      const id = linkAt(e);
      const additive = e.shiftKey || e.ctrlKey || e.metaKey;
      if (!id) return additive ? undefined : s.select({ nodes: [], links: [] });
      if (!additive) return s.select({ nodes: [], links: [id] });
      const links = s.selection.links.includes(id)
        ? s.selection.links.filter((l) => l !== id)
        : [...s.selection.links, id];
      s.select({
        nodes: s.selection.nodes,
        links,
        ...(s.selection.annotations ? { annotations: s.selection.annotations } : {}),
      });
    },
    [linkAt],
  );

  const onPaneMouseMove = useCallback(
    (e: MouseEvent) => {
      const id = e.buttons ? null : linkAt(e);
      view.current?.setHovered(id);
      root.current?.classList.toggle('canvas--over-link', id !== null);
    },
    [linkAt],
  );
  const onPaneMouseLeave = useCallback(() => {
    view.current?.setHovered(null);
    root.current?.classList.remove('canvas--over-link');
  }, []);

  const [menu, setMenu] = useState<NodeMenuAt | null>(null);
  const [linkMenu, setLinkMenu] = useState<LinkMenuAt | null>(null);
  const closeMenu = useCallback(() => {
    setMenu(null);
    setLinkMenu(null);
  }, []);
  const onNodeContextMenu = useCallback((e: MouseEvent, node: FlowNode) => {
    // A loose end's menu is its link's.
    if (node.type === 'loose') {
      e.preventDefault();
      setMenu(null);
      return setLinkMenu({ link: node.data.end.link, x: e.clientX, y: e.clientY });
    }
    if (node.type !== 'topo') return;
    e.preventDefault();
    setLinkMenu(null);
    setMenu({ node: node.id, kind: node.data.node.kind, x: e.clientX, y: e.clientY });
  }, []);
  // Links are pixels under whatever layer is on top there: a right-click over one, off the nodes and the canvas's
  // own controls, is the link's.
  const onCanvasContextMenu = useCallback(
    (e: MouseEvent) => {
      const target = e.target as Element;
      if (target.closest('.react-flow__node, .react-flow__panel, .react-flow__controls')) return;
      const id = linkAt(e);
      if (!id) return;
      e.preventDefault();
      setMenu(null);
      setLinkMenu({ link: id, x: e.clientX, y: e.clientY });
    },
    [linkAt],
  );
  // A running VM's console; otherwise a double-click does what its two clicks did (select).
  const onNodeDoubleClick = useCallback(
    (_: MouseEvent, node: FlowNode) =>
      void (node.type === 'topo' && openNodeConsole({ ...actionContext(NO_APP), node: node.id })),
    [],
  );

  return (
    <div
      className="canvas"
      data-testid="canvas"
      ref={root}
      onDragOver={onDragOver}
      onDrop={onDrop}
      onContextMenu={onCanvasContextMenu}
    >
      <ReactFlow
        nodes={nodes}
        edges={NO_EDGES}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onConnect={onConnect}
        // While a wire is drawn every side of every plain node offers itself.
        onConnectStart={onConnectStart}
        onConnectEnd={onConnectEnd}
        onPaneClick={onPaneClick}
        onPaneMouseMove={onPaneMouseMove}
        onPaneMouseLeave={onPaneMouseLeave}
        onNodeContextMenu={onNodeContextMenu}
        onNodeDoubleClick={onNodeDoubleClick}
        onMoveStart={closeMenu}
        connectionMode={ConnectionMode.Loose}
        colorMode={colorMode}
        // The canvas drags nodes itself (nodeDrag.ts): one store update at the drop, not one per pointer move.
        nodesDraggable={false}
        // Arrow keys nudge through the action registry (one undo step per press), not React Flow's own handler.
        disableKeyboardA11y
        deleteKeyCode={null}
        selectionKeyCode={null}
        multiSelectionKeyCode={MULTI_KEYS}
        minZoom={0.05}
        proOptions={PRO_OPTIONS}
      >
        <Background gap={20} />
        <LinkLayer scene={scene} marks={marks} view={view} />
        <MinimapCorner on={minimapOn} view={view} />
        <Panel position="top-left" className="canvas-tools" data-testid="canvas__tools">
          {TOOLS.map((a) => (
            <CanvasTool key={a.name} action={a} />
          ))}
        </Panel>
        <Controls showInteractive={false}>
          <ControlButton
            onClick={() => setMinimapOn(!minimapOn)}
            title={minimapOn ? 'Hide the minimap' : 'Show the minimap (on a canvas large enough for it)'}
            aria-pressed={minimapOn}
            data-testid="canvas__minimap-toggle"
          >
            <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
              <rect x="1.5" y="3.5" width="13" height="9" rx="1" fill="none" stroke="currentColor" />
              <rect x="8" y="7" width="5" height="4" fill="currentColor" />
            </svg>
          </ControlButton>
        </Controls>
      </ReactFlow>
      {menu ? <NodeMenu at={menu} onClose={closeMenu} /> : null}
      {linkMenu ? <LinkMenu at={linkMenu} onClose={closeMenu} /> : null}
      {doc.nodes.length === 0 ? (
        <div className="canvas__empty" data-testid="canvas__empty">
          Drag a VM from the palette to start, or open an example.
        </div>
      ) : null}
    </div>
  );
}
