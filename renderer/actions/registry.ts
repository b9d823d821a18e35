import type { EditorState } from '../store/store';

/** What an action can see and do: the editor state and the window-level commands the app wires in. */
export interface ActionContext {
  readonly state: EditorState;
  readonly app: AppCommands;
}

/** Commands that need the DOM or the server (file dialogs, downloads, the gallery). */
export interface AppCommands {
  openFilePicker(): void;
  save(): void;
  exportScripts(): void;
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
    perform: ({ state }) => state.select({ nodes: state.doc.nodes.map((n) => n.id), links: [] }),
  },
  {
    name: 'delete',
    label: 'Delete',
    keys: 'Delete',
    keyTest: (e) => !mod(e) && (e.key === 'Delete' || e.key === 'Backspace'),
    predicate: ({ state }) => state.selection.nodes.length + state.selection.links.length > 0,
    perform: ({ state }) => state.dispatch([{ type: 'remove', nodes: state.selection.nodes, links: state.selection.links }]),
  },
  {
    name: 'export',
    label: 'Export scripts',
    perform: ({ app }) => app.exportScripts(),
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
