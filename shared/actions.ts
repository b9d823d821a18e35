/**
 * The action catalogue: every user action's name, label, shortcut, scope, toolbar place and undo behaviour, as plain
 * data. The page's registry (renderer/actions/registry.ts) adds what each action checks and does; the native menu
 * (electron/main/menu.ts) is built from this list directly, so there is no copy to keep equal.
 */
import type { NodeKind } from './model/schema';

/**
 * Where an action applies: `global` the document (toolbar, shortcuts, the native menu), `node` one node (its
 * context menu), `link` one link (its context menu), `desktop` only the desktop window's menu (Save As… needs main's native dialog; the page's desktop
 * bridge runs it).
 */
export type ActionScope = 'global' | 'node' | 'link' | 'desktop';

/**
 * What an action does to the undo history: `record` one undo step, `none` leaves the history alone (it changes no
 * document, or it is undo/redo itself, or it replaces the document and its history).
 */
export type HistoryIntent = 'record' | 'none';

/** The toolbar group an action's button sits in; `canvas` the canvas's own tools (top left). */
export type ToolbarGroup = 'file' | 'edit' | 'export' | 'lab' | 'view' | 'canvas';

/** One action as data: what the menu, the toolbar and the shortcut lookup need to know of it. */
export interface ActionInfo {
  readonly name: string;
  readonly label: string;
  readonly scope: ActionScope;
  /** The shortcut shown in tooltips and the menu, e.g. "Ctrl+Z" or "Shift+ArrowLeft"; key presses match it. */
  readonly keys?: string;
  /** More shortcuts that run it, not shown (Ctrl+Y for redo). */
  readonly moreKeys?: readonly string[];
  readonly toolbar?: ToolbarGroup;
  readonly history: HistoryIntent;
  /** For a `node` action: the node kinds it is offered for; all when absent. */
  readonly kinds?: readonly NodeKind[];
}

const ARROWS = ['Left', 'Right', 'Up', 'Down'] as const;

const NUDGES: readonly ActionInfo[] = ARROWS.flatMap((dir) =>
  ([false, true] as const).map((large) => ({
    name: `nudge${dir}${large ? 'Large' : ''}`,
    label: `Move selection ${dir.toLowerCase()}${large ? ' (large step)' : ''}`,
    scope: 'global' as const,
    keys: `${large ? 'Shift+' : ''}Arrow${dir}`,
    history: 'record' as const,
  })),
);

/** Every action, in the order the toolbar, menus and shortcut lookup read them. */
export const ACTION_CATALOGUE: readonly ActionInfo[] = [
  { name: 'new', label: 'New', scope: 'global', toolbar: 'file', history: 'none' },
  { name: 'open', label: 'Open…', scope: 'global', keys: 'Ctrl+O', toolbar: 'file', history: 'none' },
  { name: 'import', label: 'Import…', scope: 'global', toolbar: 'file', history: 'record' },
  { name: 'save', label: 'Save', scope: 'global', keys: 'Ctrl+S', toolbar: 'file', history: 'none' },
  { name: 'examples', label: 'Examples', scope: 'global', toolbar: 'file', history: 'none' },
  { name: 'undo', label: 'Undo', scope: 'global', keys: 'Ctrl+Z', toolbar: 'edit', history: 'none' },
  {
    name: 'redo',
    label: 'Redo',
    scope: 'global',
    keys: 'Shift+Ctrl+Z',
    moreKeys: ['Ctrl+Y'],
    toolbar: 'edit',
    history: 'none',
  },
  { name: 'selectAll', label: 'Select all', scope: 'global', keys: 'Ctrl+A', history: 'none' },
  { name: 'delete', label: 'Delete', scope: 'global', keys: 'Delete', moreKeys: ['Backspace'], history: 'record' },
  { name: 'copy', label: 'Copy', scope: 'global', keys: 'Ctrl+C', history: 'none' },
  { name: 'cut', label: 'Cut', scope: 'global', keys: 'Ctrl+X', history: 'record' },
  { name: 'paste', label: 'Paste', scope: 'global', keys: 'Ctrl+V', history: 'record' },
  ...NUDGES,
  { name: 'export', label: 'Export scripts', scope: 'global', toolbar: 'export', history: 'none' },
  { name: 'export-svg', label: 'Export SVG', scope: 'global', toolbar: 'export', history: 'none' },
  { name: 'export-png', label: 'Export PNG', scope: 'global', toolbar: 'export', history: 'none' },
  { name: 'validate', label: 'Validate', scope: 'global', toolbar: 'lab', history: 'none' },
  { name: 'launch', label: 'Launch', scope: 'global', toolbar: 'lab', history: 'none' },
  { name: 'stop', label: 'Stop', scope: 'global', toolbar: 'lab', history: 'none' },
  { name: 'snapshots', label: 'Snapshots…', scope: 'global', toolbar: 'lab', history: 'none' },
  { name: 'theme', label: 'Theme', scope: 'global', toolbar: 'view', history: 'none' },
  { name: 'fitView', label: 'Fit view', scope: 'global', keys: 'Shift+1', history: 'none' },
  { name: 'addNote', label: 'Add note', scope: 'global', toolbar: 'canvas', history: 'record' },
  { name: 'addArea', label: 'Add shaded area', scope: 'global', toolbar: 'canvas', history: 'record' },
  { name: 'tidyLayout', label: 'Tidy layout', scope: 'global', toolbar: 'canvas', history: 'record' },
  { name: 'saveAs', label: 'Save As…', scope: 'desktop', keys: 'Shift+Ctrl+S', history: 'none' },
  // A node's context menu; each acts on the node right-clicked (the selection is left alone unless it is Select).
  { name: 'open-console', label: 'Open console', scope: 'node', kinds: ['vm', 'uml'], history: 'none' },
  // One guest (VM, UML) or VDE switch of the running lab started, stopped or restarted; the rest keeps running.
  { name: 'vm-start', label: 'Start', scope: 'node', kinds: ['vm', 'uml', 'vde'], history: 'none' },
  { name: 'vm-stop', label: 'Stop', scope: 'node', kinds: ['vm', 'uml', 'vde'], history: 'none' },
  { name: 'vm-restart', label: 'Restart', scope: 'node', kinds: ['vm', 'uml', 'vde'], history: 'none' },
  // A bridge's whole segment captured (dumpcap on the bridge in the lab's network), as a link is from its menu.
  { name: 'capture-start', label: 'Capture segment', scope: 'node', kinds: ['bridge'], history: 'none' },
  { name: 'capture-stop', label: 'Stop capture', scope: 'node', kinds: ['bridge'], history: 'none' },
  { name: 'select', label: 'Select', scope: 'node', history: 'none' },
  { name: 'delete', label: 'Delete', scope: 'node', history: 'record' },
  // A link's context menu: the running lab's link set down or up (as pulling its cable), then the document's edits.
  { name: 'link-down', label: 'Set link down', scope: 'link', history: 'none' },
  { name: 'link-up', label: 'Set link up', scope: 'link', history: 'none' },
  { name: 'capture-start', label: 'Start capture', scope: 'link', history: 'none' },
  { name: 'capture-stop', label: 'Stop capture', scope: 'link', history: 'none' },
  { name: 'show-packets', label: 'Show packets', scope: 'link', history: 'none' },
  { name: 'select', label: 'Select', scope: 'link', history: 'none' },
  { name: 'delete', label: 'Delete', scope: 'link', history: 'record' },
];

/** The catalogue's actions of one scope, in order. */
export function actionsOf(scope: ActionScope): readonly ActionInfo[] {
  return ACTION_CATALOGUE.filter((a) => a.scope === scope);
}

/** A key press as a shortcut reads it (the DOM's KeyboardEvent has these fields). */
export interface KeyPress {
  readonly key: string;
  /** The physical key ("Digit1"): Shift+1 is "!" in `key` on most layouts. */
  readonly code?: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
}

/**
 * Whether a key press is the shortcut `keys` ("Shift+Ctrl+Z", "Delete", "Shift+1"): the same modifiers exactly
 * (Ctrl is Ctrl or Cmd), a letter in either case, a digit by its physical key.
 */
export function matchesKeys(keys: string, e: KeyPress): boolean {
  const parts = keys.split('+');
  const main = parts.pop()!;
  const mods = new Set(parts);
  if ((e.ctrlKey || e.metaKey) !== mods.has('Ctrl') || e.shiftKey !== mods.has('Shift') || e.altKey !== mods.has('Alt'))
    return false;
  if (/^\d$/.test(main)) return e.code === `Digit${main}` || e.key === main;
  return main.length === 1 ? e.key.toLowerCase() === main.toLowerCase() : e.key === main;
}
