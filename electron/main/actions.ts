/**
 * The renderer's action registry (renderer/actions/registry.ts) as plain data for the main process: the registry
 * module holds closures over the editor store and DOM key events, which have no place in main's bundle. The
 * native menu is built from this list; actions.test.ts fails when it and the registry diverge.
 */

/** One registry action as the menu needs it: its name (sent back to the page), label and shortcut. */
export interface ActionInfo {
  readonly name: string;
  readonly label: string;
  /** The registry's `keys`, e.g. "Ctrl+Z" or "Shift+ArrowLeft". */
  readonly keys?: string;
}

/** Mirror of the registry's ACTIONS, in its order: name, label, keys. */
export const REGISTRY_ACTIONS: readonly ActionInfo[] = [
  { name: 'new', label: 'New' },
  { name: 'open', label: 'Open…', keys: 'Ctrl+O' },
  { name: 'import', label: 'Import…' },
  { name: 'save', label: 'Save', keys: 'Ctrl+S' },
  { name: 'examples', label: 'Examples' },
  { name: 'undo', label: 'Undo', keys: 'Ctrl+Z' },
  { name: 'redo', label: 'Redo', keys: 'Shift+Ctrl+Z' },
  { name: 'selectAll', label: 'Select all', keys: 'Ctrl+A' },
  { name: 'delete', label: 'Delete', keys: 'Delete' },
  { name: 'copy', label: 'Copy', keys: 'Ctrl+C' },
  { name: 'cut', label: 'Cut', keys: 'Ctrl+X' },
  { name: 'paste', label: 'Paste', keys: 'Ctrl+V' },
  { name: 'nudgeLeft', label: 'Move selection left', keys: 'ArrowLeft' },
  { name: 'nudgeLeftLarge', label: 'Move selection left (large step)', keys: 'Shift+ArrowLeft' },
  { name: 'nudgeRight', label: 'Move selection right', keys: 'ArrowRight' },
  { name: 'nudgeRightLarge', label: 'Move selection right (large step)', keys: 'Shift+ArrowRight' },
  { name: 'nudgeUp', label: 'Move selection up', keys: 'ArrowUp' },
  { name: 'nudgeUpLarge', label: 'Move selection up (large step)', keys: 'Shift+ArrowUp' },
  { name: 'nudgeDown', label: 'Move selection down', keys: 'ArrowDown' },
  { name: 'nudgeDownLarge', label: 'Move selection down (large step)', keys: 'Shift+ArrowDown' },
  { name: 'export', label: 'Export scripts' },
  { name: 'export-svg', label: 'Export SVG' },
  { name: 'export-png', label: 'Export PNG' },
  { name: 'validate', label: 'Validate' },
  { name: 'launch', label: 'Launch' },
  { name: 'stop', label: 'Stop' },
  { name: 'theme', label: 'Theme' },
  { name: 'fitView', label: 'Fit view', keys: 'Shift+1' },
  { name: 'addNote', label: 'Add note' },
  { name: 'addArea', label: 'Add shaded area' },
  { name: 'tidyLayout', label: 'Tidy layout' },
];

/**
 * Menu entries only the desktop window has (Save As… needs main's native dialog): not in the registry, which web mode
 * shares; the page's desktop bridge (renderer/desktop/bridge.ts) runs them, and their shortcuts are the menu's own.
 */
export const DESKTOP_ACTIONS: readonly ActionInfo[] = [
  { name: 'saveAs', label: 'Save As…', keys: 'Shift+Ctrl+S' },
];

/** Every action the menu may name. */
export const MENU_ACTIONS: ReadonlyMap<string, ActionInfo> = new Map(
  [...REGISTRY_ACTIONS, ...DESKTOP_ACTIONS].map((a) => [a.name, a]),
);

const KEY_NAMES: Record<string, string> = {
  Ctrl: 'CmdOrCtrl',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
};

/** The registry's key text as an Electron accelerator ("Shift+Ctrl+Z" → "Shift+CmdOrCtrl+Z"). */
export function toAccelerator(keys: string): string {
  return keys
    .split('+')
    .map((k) => KEY_NAMES[k] ?? (k.length === 1 ? k.toUpperCase() : k))
    .join('+');
}
