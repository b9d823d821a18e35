import type { Change } from '../doc/changes';
import type { EditorState } from '../store/store';
import type { XY } from './geometry';
import type { LinkView } from './linkView';

/**
 * Dragging nodes and annotations, done by the canvas itself rather than by React Flow: a pointer move sets the dragged
 * elements' transforms and repaints their links on the overlay, in the event's own task, and touches no store; the
 * drop is one `move-nodes` (and `move-annotations`) action, so one undo step, and React Flow learns the new places
 * from the document like after any edit. Several selected nodes move together.
 */

/** React Flow node ids of annotations: `@` + the annotation id (a node id never starts with `@`). */
export const ANNOTATION_PREFIX = '@';

/** The grid nodes snap to. */
export const GRID = 10;
/** Up to this many dragged items get a compositor layer each (more layers would cost more than they save). */
const LAYERED = 24;
/** Pixels the pointer travels before a press becomes a drag (a click stays a click). */
const THRESHOLD = 3;

export interface DragDeps {
  readonly view: () => LinkView | null;
  /** React Flow's viewport (screen = flow * zoom + (x, y) from the root's top left). */
  readonly viewport: () => { x: number; y: number; zoom: number };
  /** Moves the viewport by screen pixels (auto-pan near the edges). */
  readonly panBy: (dx: number, dy: number) => void;
  readonly editor: () => EditorState;
}

/** Within this many pixels of the canvas's edge a drag pans the view, up to PAN_SPEED pixels a frame. */
const EDGE = 32;
const PAN_SPEED = 14;

interface Dragged {
  readonly flowId: string;
  readonly el: HTMLElement;
  readonly start: XY;
}

function startOf(state: EditorState, view: LinkView | null, flowId: string): XY | undefined {
  if (flowId.startsWith(ANNOTATION_PREFIX)) {
    const a = state.doc.layout.annotations.find((x) => x.id === flowId.slice(ANNOTATION_PREFIX.length));
    return a ? { x: a.x, y: a.y } : undefined;
  }
  const g = view?.geoms().get(flowId);
  return g ? { x: g.x, y: g.y } : undefined;
}

/** Ids to move when `pressed` is dragged: the selection if it holds it, else it alone (then selected). */
function draggedIds(state: EditorState, pressed: string, additive: boolean): string[] {
  const annotations = state.selection.annotations ?? [];
  const selected = [...state.selection.nodes, ...annotations.map((a) => `${ANNOTATION_PREFIX}${a}`)];
  if (selected.includes(pressed)) return selected;
  const isNote = pressed.startsWith(ANNOTATION_PREFIX);
  const id = isNote ? pressed.slice(ANNOTATION_PREFIX.length) : pressed;
  if (additive) {
    state.select({
      nodes: isNote ? state.selection.nodes : [...state.selection.nodes, id],
      links: state.selection.links,
      annotations: isNote ? [...annotations, id] : annotations,
    });
    return [...selected, pressed];
  }
  state.select(isNote ? { nodes: [], links: [], annotations: [id] } : { nodes: [id], links: [] });
  return [pressed];
}

/** Listens on the flow's root element; returns the function that stops listening. */
export function attachNodeDrag(root: HTMLElement, deps: DragDeps): () => void {
  let cleanup: (() => void) | null = null;

  const onPointerDown = (down: PointerEvent) => {
    if (down.button !== 0 || cleanup) return;
    const target = down.target as Element;
    const nodeEl = target.closest<HTMLElement>('.react-flow__node');
    if (!nodeEl || !root.contains(nodeEl)) return;
    if (target.closest('.react-flow__handle, .nodrag, input, textarea, select, button, .react-flow__resize-control'))
      return;
    const pressed = nodeEl.dataset.id;
    if (!pressed) return;
    let dragged: Dragged[] | null = null;
    let delta: XY = { x: 0, y: 0 };
    // Where the press was in the flow: the drag follows the pointer's flow position, so a pan or zoom while
    // dragging keeps the node under the pointer.
    const vp0 = deps.viewport();
    const origin = root.getBoundingClientRect();
    const flowAt = (clientX: number, clientY: number, vp: { x: number; y: number; zoom: number }): XY => ({
      x: (clientX - origin.left - vp.x) / vp.zoom,
      y: (clientY - origin.top - vp.y) / vp.zoom,
    });
    const pressedAt = flowAt(down.clientX, down.clientY, vp0);
    let last = { x: down.clientX, y: down.clientY };
    let panRaf = 0;

    const begin = (additive: boolean) => {
      const state = deps.editor();
      const view = deps.view();
      const ids = draggedIds(state, pressed, additive);
      const list: Dragged[] = [];
      for (const flowId of ids) {
        const el = root.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(flowId)}"]`);
        const start = startOf(deps.editor(), view, flowId);
        if (el && start) list.push({ flowId, el, start });
      }
      dragged = list;
      // At rest nodes sit at left/top (no transform each: see flow.ts). While dragged, a few ride on a transform
      // of their own layer, so a move is neither a layout nor a repaint of the drawing under them.
      if (list.length <= LAYERED) for (const item of list) item.el.style.willChange = 'transform';
      view?.beginDrag(list.filter((d) => !d.flowId.startsWith(ANNOTATION_PREFIX)).map((d) => d.flowId));
      root.classList.add('canvas--dragging');
      // Captured: the moves go to the canvas without a hit test of thousands of nodes each.
      if (!root.hasPointerCapture(down.pointerId)) root.setPointerCapture(down.pointerId);
    };

    const place = (d: XY) => {
      const view = deps.view();
      const positions = new Map<string, XY>();
      for (const item of dragged!) {
        const at = { x: item.start.x + d.x, y: item.start.y + d.y };
        item.el.style.transform = d.x || d.y ? `translate(${d.x}px,${d.y}px)` : 'none';
        if (!item.flowId.startsWith(ANNOTATION_PREFIX)) positions.set(item.flowId, at);
      }
      view?.dragTo(positions);
    };

    const follow = () => {
      const p = flowAt(last.x, last.y, deps.viewport());
      // The pressed item lands on the grid; the others keep their offsets from it.
      const lead = dragged!.find((d) => d.flowId === pressed) ?? dragged![0];
      if (!lead) return;
      const snap = (v: number) => Math.round(v / GRID) * GRID;
      const next = {
        x: snap(lead.start.x + p.x - pressedAt.x) - lead.start.x,
        y: snap(lead.start.y + p.y - pressedAt.y) - lead.start.y,
      };
      if (next.x === delta.x && next.y === delta.y) return;
      delta = next;
      place(delta);
    };

    // Near an edge the view pans toward it, a little more the closer the pointer is, until it leaves the edge.
    const autoPan = () => {
      panRaf = 0;
      if (!dragged) return;
      const push = (at: number, lo: number, hi: number) =>
        at < lo + EDGE
          ? Math.ceil(((lo + EDGE - at) / EDGE) * PAN_SPEED)
          : at > hi - EDGE
            ? -Math.ceil(((at - hi + EDGE) / EDGE) * PAN_SPEED)
            : 0;
      const dx = push(last.x, origin.left, origin.right);
      const dy = push(last.y, origin.top, origin.bottom);
      if (!dx && !dy) return;
      deps.panBy(dx, dy);
      follow();
      panRaf = requestAnimationFrame(autoPan);
    };

    const onMove = (e: PointerEvent) => {
      if (e.pointerId !== down.pointerId) return;
      if (!dragged) {
        if (Math.hypot(e.clientX - down.clientX, e.clientY - down.clientY) < THRESHOLD) return;
        begin(down.shiftKey || down.ctrlKey || down.metaKey);
      }
      last = { x: e.clientX, y: e.clientY };
      follow();
      if (!panRaf) panRaf = requestAnimationFrame(autoPan);
    };

    const finish = (commit: boolean) => {
      cleanup?.();
      cleanup = null;
      if (panRaf) cancelAnimationFrame(panRaf);
      if (!dragged) return;
      root.classList.remove('canvas--dragging');
      if (root.hasPointerCapture(down.pointerId)) root.releasePointerCapture(down.pointerId);
      const moved = delta.x !== 0 || delta.y !== 0;
      // Back to left/top in this task, the same places the document gets below (React then changes nothing).
      for (const item of dragged) {
        item.el.style.transform = 'none';
        item.el.style.willChange = '';
        if (commit && moved) {
          item.el.style.left = `${item.start.x + delta.x}px`;
          item.el.style.top = `${item.start.y + delta.y}px`;
        }
      }
      const view = deps.view();
      if (commit && moved) {
        const nodes: { id: string; position: XY }[] = [];
        const notes: { id: string; position: XY }[] = [];
        for (const d of dragged) {
          const position = { x: d.start.x + delta.x, y: d.start.y + delta.y };
          if (d.flowId.startsWith(ANNOTATION_PREFIX))
            notes.push({ id: d.flowId.slice(ANNOTATION_PREFIX.length), position });
          else nodes.push({ id: d.flowId, position });
        }
        const changes: Change[] = [];
        if (nodes.length) changes.push({ type: 'move-nodes', moves: nodes });
        if (notes.length) changes.push({ type: 'move-annotations', moves: notes });
        // One action: one undo step for the whole drag, whatever it moved.
        deps.editor().dispatch(changes);
      }
      view?.endDrag();
      // The click that ends a drag is not a click on the node (it would toggle the selection).
      const swallow = (e: MouseEvent) => {
        e.stopPropagation();
        e.preventDefault();
      };
      window.addEventListener('click', swallow, { capture: true, once: true });
      setTimeout(() => window.removeEventListener('click', swallow, { capture: true }), 0);
    };

    const onUp = (e: PointerEvent) => {
      if (e.pointerId === down.pointerId) finish(true);
    };
    const onCancel = () => finish(false);
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && dragged) {
        e.stopPropagation();
        finish(false);
      }
    };
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
    window.addEventListener('pointercancel', onCancel);
    window.addEventListener('keydown', onKey, true);
    cleanup = () => {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
      window.removeEventListener('pointercancel', onCancel);
      window.removeEventListener('keydown', onKey, true);
    };
  };

  root.addEventListener('pointerdown', onPointerDown);
  return () => {
    root.removeEventListener('pointerdown', onPointerDown);
    cleanup?.();
  };
}
