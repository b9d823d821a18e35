/**
 * The native menu, built from the action catalogue (shared/actions.ts): each item carries the action's name, label
 * and shortcut and, when chosen, sends `qnet:action` to the page, which runs the action as its toolbar would.
 */
import { basename } from 'node:path';
import { Menu, type MenuItemConstructorOptions } from 'electron';
import type { MenuAction } from '../../shared/desktop-api';
import { actionsOf, type ActionInfo } from '../../shared/actions';

type Item = MenuItemConstructorOptions;
const separator: Item = { type: 'separator' };

/** Every action the menu may name: the document's, and those only the desktop window has (Save As…). */
export const MENU_ACTIONS: ReadonlyMap<string, ActionInfo> = new Map(
  [...actionsOf('global'), ...actionsOf('desktop')].map((a) => [a.name, a]),
);

const KEY_NAMES: Record<string, string> = {
  Ctrl: 'CmdOrCtrl',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
};

/** The catalogue's key text as an Electron accelerator ("Shift+Ctrl+Z" → "Shift+CmdOrCtrl+Z"). */
export function toAccelerator(keys: string): string {
  return keys
    .split('+')
    .map((k) => KEY_NAMES[k] ?? (k.length === 1 ? k.toUpperCase() : k))
    .join('+');
}

export interface MenuInputs {
  /** Recent files, newest first. */
  readonly recent: readonly string[];
  /** Delivers a chosen action to the focused window's page. */
  readonly send: (action: MenuAction) => void;
  /** Opens another editor window (main's own: no page runs it). */
  readonly newWindow: () => void;
  /** Which actions the focused page can run now (menuState); an action missing here is enabled. */
  readonly enabled?: Readonly<Record<string, boolean>>;
}

/**
 * One menu item for a catalogue action. The page's shortcut handler already runs the document's actions on their
 * keys, so their accelerator is shown but not registered (else the menu would steal Ctrl+C from text fields, or run
 * an action twice); a desktop-only action gets a working accelerator.
 */
export function actionItem(name: string, send: MenuInputs['send'], label?: string, enabled = true): Item {
  const action = MENU_ACTIONS.get(name);
  if (!action) throw new Error(`the menu names "${name}", which is not an action of the registry`);
  return {
    id: action.name,
    label: label ?? action.label,
    enabled,
    ...(action.keys
      ? { accelerator: toAccelerator(action.keys), registerAccelerator: action.scope === 'desktop' }
      : {}),
    click: () => send({ name: action.name }),
  };
}

/** The "Open Recent" submenu: one item per file, sending `openRecent` with its path. */
function recentItems({ recent, send }: MenuInputs): Item[] {
  if (!recent.length) return [{ label: 'No recent files', enabled: false }];
  return recent.map((path, i) => ({
    id: `openRecent:${i}`,
    label: `${basename(path)}  —  ${path}`,
    click: () => send({ name: 'openRecent', path }),
  }));
}

/** The application menu: File, Edit, Lab, View, Help. */
export function menuTemplate(inputs: MenuInputs): Item[] {
  const a = (name: string, label?: string) => actionItem(name, inputs.send, label, inputs.enabled?.[name] ?? true);
  return [
    {
      label: '&File',
      submenu: [
        a('new'),
        { id: 'newWindow', label: 'New Window', accelerator: 'Shift+CmdOrCtrl+N', click: () => inputs.newWindow() },
        a('open'),
        { id: 'openRecent', label: 'Open Recent', submenu: recentItems(inputs) },
        a('import', 'Import QEMU Command Lines…'),
        a('examples', 'Examples…'),
        separator,
        a('save'),
        a('saveAs'),
        separator,
        a('export', 'Export Scripts…'),
        { id: 'exportImage', label: 'Export Image', submenu: [a('export-svg', 'SVG…'), a('export-png', 'PNG…')] },
        separator,
        { role: 'quit' },
      ],
    },
    {
      label: '&Edit',
      submenu: [
        a('undo'),
        a('redo'),
        separator,
        a('cut'),
        a('copy'),
        a('paste'),
        a('delete'),
        separator,
        a('selectAll'),
      ],
    },
    { label: '&Lab', submenu: [a('validate'), separator, a('launch'), a('stop')] },
    {
      label: '&View',
      submenu: [
        a('theme', 'Switch Theme'),
        a('fitView', 'Fit View'),
        separator,
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        separator,
        { role: 'togglefullscreen' },
        { role: 'toggleDevTools' },
      ],
    },
    { label: '&Help', submenu: [{ role: 'about', label: 'About Qnet Studio' }] },
  ];
}

/** Owns the application menu; `refresh` rebuilds it (the recent list changed), `setEnabled` greys items in place. */
export class MenuManager {
  private enabled: Readonly<Record<string, boolean>> = {};

  constructor(private readonly inputs: () => MenuInputs) {}

  initialize(): void {
    this.refresh();
  }

  refresh(): void {
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ ...this.inputs(), enabled: this.enabled })));
  }

  /** Enables and disables action items as the focused page says its actions can run (kept over a rebuild). */
  setEnabled(enabled: Readonly<Record<string, boolean>>): void {
    this.enabled = { ...enabled };
    const menu = Menu.getApplicationMenu();
    for (const name of MENU_ACTIONS.keys()) {
      const item = menu?.getMenuItemById(name);
      if (item) item.enabled = enabled[name] ?? true;
    }
  }

  dispose(): void {
    Menu.setApplicationMenu(null);
  }
}
