import { actionsOf, matchesKeys, type ActionInfo, type KeyPress } from '../../shared/actions';
import { linkId, type NodeKind, type Topology } from '../../shared/model';
import type { XY } from '../doc/changes';
import { canLaunch, canStop, launch, stop, validate } from '../lab/labActions';
import { openSnapshots } from '../lab/snapshots';
import { consoleGuest, labGuest, labSwitch, linkControl, type LabView } from '../lab/labStore';
import { controlVm } from '../lab/vmActions';
import type { VmAction } from '../../shared/api';
import { setCapture, setLink } from '../lab/linkActions';
import type { PanelsState } from '../store/panels';
import type { EditorState, ThemePref } from '../store/store';
import { editor } from '../store/editor';
import { newArea, newNote } from '../canvas/annotations';
import { tidyLayout } from '../canvas/autoLayout';
import { annotationRect, nodeGeoms } from '../canvas/geometry';
import { freeSpot } from '../canvas/placement';
import { clipText, putDrawingCopy } from '../doc/systemClipboard';
import { viewCenter } from '../canvas/viewCenter';

/**
 * What an action can see and do: the editor, the followed lab, the bottom panel and the window-level commands the
 * app wires in. Predicates read only this, never a store, so the toolbar, the menu and the shortcuts agree.
 */
export interface ActionContext {
  readonly state: EditorState;
  readonly lab: Pick<LabView, 'lab' | 'state' | 'vms' | 'busy' | 'links' | 'captures' | 'switches'>;
  readonly panels: Pick<PanelsState, 'openConsole' | 'openPackets'>;
  readonly app: AppCommands;
}

/** The context of a node's context menu: the node right-clicked. */
export interface NodeActionContext extends ActionContext {
  readonly node: string;
}

/** The context of a link's context menu: the link right-clicked. */
export interface LinkActionContext extends ActionContext {
  readonly link: string;
}

/** Commands that need the DOM or the server (file dialogs, downloads, the gallery). */
export interface AppCommands {
  openFilePicker(): void;
  /** Picks a shell script or QEMU command lines to import into the drawing. */
  importFile(): void;
  save(): void;
  /** Always asks where to save (the desktop window's File › Save As…, a `desktop` action of the catalogue). */
  saveAs?(): void;
  exportScripts(): void;
  /** Downloads the diagram as an SVG or PNG picture. */
  exportDiagram(format: 'svg' | 'png'): void;
  newDocument(): void;
  openGallery(): void;
}

/** What the page adds to a catalogue entry: whether it can run now, and what it does. */
interface Behaviour<C> {
  /** Whether it can run now (greys the toolbar button, the menu item, the context menu item). */
  readonly predicate?: (ctx: C) => boolean;
  readonly perform: (ctx: C) => void;
}

/** One user action: the catalogue's data with its behaviour; toolbar, shortcuts and menus all run it from here. */
export interface Action extends ActionInfo, Behaviour<ActionContext> {
  /** Whether a key press is one of its shortcuts (from `keys` and `moreKeys`). */
  readonly keyTest?: (e: KeyPress) => boolean;
}

/** An action of a node's context menu. */
export interface NodeAction extends ActionInfo, Behaviour<NodeActionContext> {}

/** An action of a link's context menu. */
export interface LinkAction extends ActionInfo, Behaviour<LinkActionContext> {}

const hasSelectedNodes = ({ state }: ActionContext) => state.selection.nodes.length > 0;

/** Copy: the selected nodes on the drawing's clipboard and, as a topology file, on the system's. */
function copyToSystem(state: EditorState): boolean {
  if (!state.copy()) return false;
  const clip = editor.getState().clipboard?.clip;
  if (clip) putDrawingCopy(clipText(state.doc, clip));
  return true;
}

/** Grid step of an arrow key, and of Shift+arrow. */
export const NUDGE = { small: 10, large: 50 } as const;

const ARROWS: readonly { name: string; dx: number; dy: number }[] = [
  { name: 'Left', dx: -1, dy: 0 },
  { name: 'Right', dx: 1, dy: 0 },
  { name: 'Up', dx: 0, dy: -1 },
  { name: 'Down', dx: 0, dy: 1 },
];

/** Moves the selected nodes by (dx, dy): one undo step per key press. */
function nudge(state: EditorState, d: XY): void {
  const moves = state.selection.nodes.flatMap((id) => {
    const p = state.doc.layout.nodes[id];
    return p ? [{ id, position: { x: p.x + d.x, y: p.y + d.y } }] : [];
  });
  state.dispatch([{ type: 'move-nodes', moves }]);
}

const NUDGES: Record<string, Behaviour<ActionContext>> = Object.fromEntries(
  ARROWS.flatMap((a) =>
    ([false, true] as const).map((large) => {
      const step = large ? NUDGE.large : NUDGE.small;
      const behaviour: Behaviour<ActionContext> = {
        predicate: hasSelectedNodes,
        perform: ({ state }) => nudge(state, { x: a.dx * step, y: a.dy * step }),
      };
      return [`nudge${a.name}${large ? 'Large' : ''}`, behaviour];
    }),
  ),
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
function areaAround(
  doc: Topology,
  ids: readonly string[],
): { x: number; y: number; width: number; height: number } | null {
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

const BEHAVIOURS: Record<string, Behaviour<ActionContext>> = {
  new: { perform: ({ app }) => app.newDocument() },
  open: { perform: ({ app }) => app.openFilePicker() },
  import: { perform: ({ app }) => app.importFile() },
  save: { perform: ({ app }) => app.save() },
  examples: { perform: ({ app }) => app.openGallery() },
  undo: { predicate: ({ state }) => state.history.past.length > 0, perform: ({ state }) => state.undo() },
  redo: { predicate: ({ state }) => state.history.future.length > 0, perform: ({ state }) => state.redo() },
  selectAll: {
    perform: ({ state }) =>
      state.select({ nodes: state.doc.nodes.map((n) => n.id), links: state.doc.links.map((l, i) => linkId(l, i)) }),
  },
  delete: {
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
  copy: { predicate: hasSelectedNodes, perform: ({ state }) => void copyToSystem(state) },
  cut: {
    predicate: hasSelectedNodes,
    perform: ({ state }) => {
      if (copyToSystem(state)) state.dispatch([{ type: 'remove', nodes: state.selection.nodes, links: [] }]);
    },
  },
  paste: { predicate: ({ state }) => state.clipboard !== null, perform: ({ state }) => state.paste() },
  ...NUDGES,
  export: { perform: ({ app }) => app.exportScripts() },
  'export-svg': { perform: ({ app }) => app.exportDiagram('svg') },
  'export-png': { perform: ({ app }) => app.exportDiagram('png') },
  // validate() itself refuses while a request is in flight: greyed then, everywhere.
  validate: {
    predicate: ({ state, lab }) => state.probed !== null && lab.busy === null,
    perform: () => void validate(),
  },
  launch: { predicate: ({ state, lab }) => state.probed !== null && canLaunch(lab), perform: () => void launch() },
  stop: { predicate: ({ lab }) => canStop(lab), perform: () => void stop() },
  snapshots: {
    predicate: ({ lab }) => lab.lab !== null && lab.state === 'running',
    perform: ({ lab }) => {
      if (lab.lab) openSnapshots(lab.lab);
    },
  },
  theme: { perform: ({ state }) => state.setTheme(NEXT_THEME[state.theme]) },
  fitView: { perform: ({ state }) => state.revealNodes([]) },
  addNote: { perform: ({ state }) => addAnnotation(state, 'note') },
  addArea: { perform: ({ state }) => addAnnotation(state, 'area') },
  tidyLayout: { predicate: ({ state }) => state.doc.nodes.length > 1, perform: ({ state }) => void tidy(state) },
};

const NODE_BEHAVIOURS: Record<string, Behaviour<NodeActionContext>> = {
  'open-console': {
    predicate: ({ lab, node }) => lab.lab !== null && consoleGuest(lab, node) !== null,
    perform: (ctx) => void openNodeConsole(ctx),
  },
  'vm-start': vmAction('start', false),
  'vm-stop': vmAction('stop', true),
  'vm-restart': vmAction('restart', true),
  'capture-start': {
    predicate: ({ lab, node }) => lab.lab !== null && lab.state === 'running' && lab.captures[node] === undefined,
    perform: ({ lab, node, panels }) => {
      if (!lab.lab) return;
      panels.openPackets(node);
      void setCapture(lab.lab, node, true);
    },
  },
  'capture-stop': {
    predicate: ({ lab, node }) => lab.lab !== null && lab.captures[node] !== undefined,
    perform: ({ lab, node }) => void (lab.lab && setCapture(lab.lab, node, false)),
  },
  select: { perform: ({ state, node }) => state.select({ nodes: [node], links: [] }) },
  delete: { perform: ({ state, node }) => state.dispatch([{ type: 'remove', nodes: [node], links: [] }]) },
};

/**
 * Starts, stops or restarts the node's guest (a VM or a UML instance) or VDE switch in the followed running lab,
 * offered when it is `up` or not.
 */
function vmAction(action: VmAction, up: boolean): Behaviour<NodeActionContext> {
  return {
    predicate: ({ lab, node }) => lab.lab !== null && (labGuest(lab, node) ?? labSwitch(lab, node))?.up === up,
    perform: ({ lab, node }) => {
      const guest = labGuest(lab, node);
      if (lab.lab && guest) void controlVm(lab.lab, guest.vm, action);
      else if (lab.lab && labSwitch(lab, node)) void controlVm(lab.lab, node, action);
    },
  };
}

/** Sets the followed lab's link down or up, when it is running and the link has a guest NIC end. */
function linkState(up: boolean): Behaviour<LinkActionContext> {
  return {
    predicate: ({ lab, link }) => lab.lab !== null && linkControl(lab, link)?.up === !up,
    perform: ({ lab, link }) => void (lab.lab && setLink(lab.lab, link, up)),
  };
}

const LINK_BEHAVIOURS: Record<string, Behaviour<LinkActionContext>> = {
  'link-down': linkState(false),
  'link-up': linkState(true),
  'capture-start': {
    predicate: ({ lab, link }) =>
      lab.lab !== null && linkControl(lab, link) !== null && lab.captures[link] === undefined,
    perform: ({ lab, link, panels }) => {
      if (!lab.lab) return;
      panels.openPackets(link);
      void setCapture(lab.lab, link, true);
    },
  },
  'capture-stop': {
    predicate: ({ lab, link }) => lab.lab !== null && lab.captures[link] !== undefined,
    perform: ({ lab, link }) => void (lab.lab && setCapture(lab.lab, link, false)),
  },
  'show-packets': {
    predicate: ({ lab, link }) => lab.lab !== null && lab.links[link] !== undefined,
    perform: ({ link, panels }) => panels.openPackets(link),
  },
  select: { perform: ({ state, link }) => state.select({ nodes: [], links: [link] }) },
  delete: { perform: ({ state, link }) => state.dispatch([{ type: 'remove', nodes: [], links: [link] }]) },
};

/** Opens the console of the followed lab's guest realizing the node; false when it has none to open. */
export function openNodeConsole({ lab, panels, node }: NodeActionContext): boolean {
  const vm = consoleGuest(lab, node);
  if (!lab.lab || !vm) return false;
  panels.openConsole(lab.lab, vm);
  return true;
}

/** The catalogue's actions of one scope joined with their behaviours; an entry without one is a bug found on load. */
function join<C>(scope: 'global' | 'node' | 'link', behaviours: Record<string, Behaviour<C>>) {
  const infos = actionsOf(scope);
  const names = new Set(infos.map((a) => a.name));
  const extra = Object.keys(behaviours).filter((n) => !names.has(n));
  if (extra.length) throw new Error(`${scope} actions not in the catalogue: ${extra.join(', ')}`);
  return infos.map((info) => {
    const behaviour = behaviours[info.name];
    if (!behaviour) throw new Error(`the catalogue's ${scope} action ${info.name} has no behaviour`);
    return { ...info, ...behaviour };
  });
}

/** Whether a key press is one of `info`'s shortcuts; undefined for an action without one. */
function keyTestOf(info: ActionInfo): Action['keyTest'] {
  const all = [...(info.keys ? [info.keys] : []), ...(info.moreKeys ?? [])];
  return all.length ? (e) => all.some((k) => matchesKeys(k, e)) : undefined;
}

/** The document's actions (toolbar, shortcuts, the native menu), in the catalogue's order. */
export const ACTIONS: readonly Action[] = join('global', BEHAVIOURS).map((a) => {
  const keyTest = keyTestOf(a);
  return keyTest ? { ...a, keyTest } : a;
});

/** A node's context-menu actions, in the catalogue's order. */
const NODE_ACTIONS: readonly NodeAction[] = join('node', NODE_BEHAVIOURS);

/** A link's context-menu actions, in the catalogue's order. */
export const LINK_ACTIONS: readonly LinkAction[] = join('link', LINK_BEHAVIOURS);

/** The context-menu actions offered for a node of this kind. */
export const nodeActionsFor = (kind: NodeKind): readonly NodeAction[] =>
  NODE_ACTIONS.filter((a) => !a.kinds || a.kinds.includes(kind));

/** The action a key press means, if any. */
export function actionForKey(e: KeyPress): Action | undefined {
  return ACTIONS.find((a) => a.keyTest?.(e));
}

/** An action by name (the toolbar). */
export function actionNamed(name: string): Action {
  const a = ACTIONS.find((x) => x.name === name);
  if (!a) throw new Error(`no action ${name}`);
  return a;
}
