import { linkId, type Topology } from '../../shared/model';
import type { XY } from '../doc/changes';
import { canLaunch, canStop, launch, stop, validate } from '../lab/labActions';
import type { EditorState, ThemePref } from '../store/store';
import { editor } from '../store/editor';
import { newArea, newNote } from '../canvas/annotations';
import { tidyLayout } from '../canvas/autoLayout';
import { annotationRect, nodeGeoms } from '../canvas/geometry';
import { freeSpot } from '../canvas/placement';
import { viewCenter } from '../canvas/viewCenter';

/** What an action can see and do: the editor state and the window-level commands the app wires in. */
export interface ActionContext {
  readonly state: EditorState;
  readonly app: AppCommands;
}

/** Commands that need the DOM or the server (file dialogs, downloads, the gallery). */
export interface AppCommands {
  openFilePicker(): void;
  /** Picks a shell script or QEMU command lines to import into the drawing. */
  importFile(): void;
  save(): void;
  /** Always asks where to save (the desktop window's File › Save As…; no registry action, the native menu sends it). */
  saveAs?(): void;
  exportScripts(): void;
  /** Downloads the diagram as an SVG or PNG picture. */
  exportDiagram(format: 'svg' | 'png'): void;
  newDocument(): void;
  openGallery(): void;
}

/** One user action: toolbar button, shortcut and (later) menus all run it from here. */
export interface Action {
  readonly name: string;
  readonly label: string;
  /** Shown in tooltips, e.g. "Ctrl+Z". */
  readonly keys?: string;
  readonly keyTest?: (e: KeyboardEvent) => boolean;
  /** Whether it can run now (greys the toolbar button). */
  readonly predicate?: (ctx: ActionContext) => boolean;
  readonly perform: (ctx: ActionContext) => void;
}

const mod = (e: KeyboardEvent) => e.ctrlKey || e.metaKey;
const key = (e: KeyboardEvent, k: string) => e.key.toLowerCase() === k;
const hasSelectedNodes = ({ state }: ActionContext) => state.selection.nodes.length > 0;

/** Grid step of an arrow key, and of Shift+arrow. */
export const NUDGE = { small: 10, large: 50 } as const;

const ARROWS: readonly { key: string; name: string; dx: number; dy: number }[] = [
  { key: 'ArrowLeft', name: 'Left', dx: -1, dy: 0 },
  { key: 'ArrowRight', name: 'Right', dx: 1, dy: 0 },
  { key: 'ArrowUp', name: 'Up', dx: 0, dy: -1 },
  { key: 'ArrowDown', name: 'Down', dx: 0, dy: 1 },
];

/** Moves the selected nodes by (dx, dy): one undo step per key press. */
function nudge(state: EditorState, d: XY): void {
  const moves = state.selection.nodes.flatMap((id) => {
    const p = state.doc.layout.nodes[id];
    return p ? [{ id, position: { x: p.x + d.x, y: p.y + d.y } }] : [];
  });
  state.dispatch([{ type: 'move-nodes', moves }]);
}

const NUDGES: Action[] = ARROWS.flatMap((a) =>
  ([false, true] as const).map((large) => {
    const step = large ? NUDGE.large : NUDGE.small;
    return {
      name: `nudge${a.name}${large ? 'Large' : ''}`,
      label: `Move selection ${a.name.toLowerCase()}${large ? ' (large step)' : ''}`,
      keys: `${large ? 'Shift+' : ''}${a.key}`,
      keyTest: (e: KeyboardEvent) => !mod(e) && !e.altKey && e.shiftKey === large && e.key === a.key,
      predicate: hasSelectedNodes,
      perform: ({ state }: ActionContext) => nudge(state, { x: a.dx * step, y: a.dy * step }),
    };
  }),
);

const NEXT_THEME: Record<ThemePref, ThemePref> = { system: 'light', light: 'dark', dark: 'system' };

/**
 * Adds a note, or a shaded area, selected: one undo step. An area drawn with nodes selected surrounds them; else
 * either lands in the middle of the view where no node is.
 */
function addAnnotation(state: EditorState, kind: 'note' | 'area'): void {
  const doc = state.doc;
  const around = kind === 'area' ? areaAround(doc, state.selection.nodes) : null;
  const fresh = kind === 'note' ? newNote(doc, { x: 0, y: 0 }) : newArea(doc, { x: 0, y: 0 });
  const annotation = around && fresh.kind === 'area' ? { ...fresh, ...around } : fresh;
  if (!around) {
    const c = viewCenter();
    const r = annotationRect(annotation);
    const want = { x: Math.round((c.x - r.w / 2) / 10) * 10, y: Math.round((c.y - r.h / 2) / 10) * 10 };
    Object.assign(annotation, freeSpot(doc, want, r));
  }
  state.dispatch([{ type: 'add-annotation', annotation }]);
  state.select({ nodes: [], links: [], annotations: [annotation.id] });
}

/** The box an area needs to surround these nodes, with room for its label above them; null for none. */
function areaAround(doc: Topology, ids: readonly string[]): { x: number; y: number; width: number; height: number } | null {
  const geoms = nodeGeoms(doc);
  const boxes = ids.flatMap((id) => geoms.get(id) ?? []);
  if (boxes.length === 0) return null;
  const x = Math.min(...boxes.map((b) => b.x)) - 30;
  const y = Math.min(...boxes.map((b) => b.y)) - 50;
  return {
    x,
    y,
    width: Math.max(...boxes.map((b) => b.x + b.w)) + 30 - x,
    height: Math.max(...boxes.map((b) => b.y + b.h)) + 30 - y,
  };
}

/** Tidy layout: elkjs places every node again; one undo step. */
async function tidy(state: EditorState): Promise<void> {
  const before = state.doc;
  const change = await tidyLayout(before);
  const now = editor.getState();
  // An edit made while elkjs worked wins: the layout of an older drawing is dropped.
  if (!change || now.doc !== before) return;
  now.dispatch([change]);
  now.revealNodes([]);
}

export const ACTIONS: readonly Action[] = [
  {
    name: 'new',
    label: 'New',
    perform: ({ app }) => app.newDocument(),
  },
  {
    name: 'open',
    label: 'Open…',
    keys: 'Ctrl+O',
    keyTest: (e) => mod(e) && !e.shiftKey && key(e, 'o'),
    perform: ({ app }) => app.openFilePicker(),
  },
  {
    name: 'import',
    label: 'Import…',
    perform: ({ app }) => app.importFile(),
  },
  {
    name: 'save',
    label: 'Save',
    keys: 'Ctrl+S',
    keyTest: (e) => mod(e) && !e.shiftKey && key(e, 's'),
    perform: ({ app }) => app.save(),
  },
  {
    name: 'examples',
    label: 'Examples',
    perform: ({ app }) => app.openGallery(),
  },
  {
    name: 'undo',
    label: 'Undo',
    keys: 'Ctrl+Z',
    keyTest: (e) => mod(e) && !e.shiftKey && key(e, 'z'),
    predicate: ({ state }) => state.history.past.length > 0,
    perform: ({ state }) => state.undo(),
  },
  {
    name: 'redo',
    label: 'Redo',
    keys: 'Shift+Ctrl+Z',
    keyTest: (e) => mod(e) && ((e.shiftKey && key(e, 'z')) || key(e, 'y')),
    predicate: ({ state }) => state.history.future.length > 0,
    perform: ({ state }) => state.redo(),
  },
  {
    name: 'selectAll',
    label: 'Select all',
    keys: 'Ctrl+A',
    keyTest: (e) => mod(e) && key(e, 'a'),
    perform: ({ state }) =>
      state.select({ nodes: state.doc.nodes.map((n) => n.id), links: state.doc.links.map((l, i) => linkId(l, i)) }),
  },
  {
    name: 'delete',
    label: 'Delete',
    keys: 'Delete',
    keyTest: (e) => !mod(e) && (e.key === 'Delete' || e.key === 'Backspace'),
    predicate: ({ state }) =>
      state.selection.nodes.length + state.selection.links.length + (state.selection.annotations?.length ?? 0) > 0,
    perform: ({ state }) =>
      state.dispatch([
        {
          type: 'remove',
          nodes: state.selection.nodes,
          links: state.selection.links,
          annotations: state.selection.annotations ?? [],
        },
      ]),
  },
  {
    name: 'copy',
    label: 'Copy',
    keys: 'Ctrl+C',
    keyTest: (e) => mod(e) && !e.shiftKey && key(e, 'c'),
    predicate: hasSelectedNodes,
    perform: ({ state }) => void state.copy(),
  },
  {
    name: 'cut',
    label: 'Cut',
    keys: 'Ctrl+X',
    keyTest: (e) => mod(e) && !e.shiftKey && key(e, 'x'),
    predicate: hasSelectedNodes,
    perform: ({ state }) => {
      if (state.copy()) state.dispatch([{ type: 'remove', nodes: state.selection.nodes, links: [] }]);
    },
  },
  {
    name: 'paste',
    label: 'Paste',
    keys: 'Ctrl+V',
    keyTest: (e) => mod(e) && !e.shiftKey && key(e, 'v'),
    predicate: ({ state }) => state.clipboard !== null,
    perform: ({ state }) => state.paste(),
  },
  ...NUDGES,
  {
    name: 'export',
    label: 'Export scripts',
    perform: ({ app }) => app.exportScripts(),
  },
  {
    name: 'export-svg',
    label: 'Export SVG',
    perform: ({ app }) => app.exportDiagram('svg'),
  },
  {
    name: 'export-png',
    label: 'Export PNG',
    perform: ({ app }) => app.exportDiagram('png'),
  },
  {
    name: 'validate',
    label: 'Validate',
    predicate: ({ state }) => state.probed !== null,
    perform: () => void validate(),
  },
  {
    name: 'launch',
    label: 'Launch',
    predicate: ({ state }) => state.probed !== null && canLaunch(),
    perform: () => void launch(),
  },
  {
    name: 'stop',
    label: 'Stop',
    predicate: () => canStop(),
    perform: () => void stop(),
  },
  {
    name: 'theme',
    label: 'Theme',
    perform: ({ state }) => state.setTheme(NEXT_THEME[state.theme]),
  },
  {
    name: 'fitView',
    label: 'Fit view',
    keys: 'Shift+1',
    keyTest: (e) => !mod(e) && !e.altKey && e.shiftKey && e.code === 'Digit1',
    perform: ({ state }) => state.revealNodes([]),
  },
  {
    name: 'addNote',
    label: 'Add note',
    perform: ({ state }) => addAnnotation(state, 'note'),
  },
  {
    name: 'addArea',
    label: 'Add shaded area',
    perform: ({ state }) => addAnnotation(state, 'area'),
  },
  {
    name: 'tidyLayout',
    label: 'Tidy layout',
    predicate: ({ state }) => state.doc.nodes.length > 1,
    perform: ({ state }) => void tidy(state),
  },
];

/** The action a key press means, if any. */
export function actionForKey(e: KeyboardEvent): Action | undefined {
  return ACTIONS.find((a) => a.keyTest?.(e));
}

/** An action by name (the toolbar). */
export function actionNamed(name: string): Action {
  const a = ACTIONS.find((x) => x.name === name);
  if (!a) throw new Error(`no action ${name}`);
  return a;
}
