import type { MenuItemConstructorOptions } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { MenuAction } from '../../shared/desktop-api';
import { fake } from '../testkit/electron-fake';
import { actionsOf } from '../../shared/actions';
import { actionItem, MENU_ACTIONS, MenuManager, menuTemplate, toAccelerator } from './menu';

vi.mock('electron', async () => (await import('../testkit/electron-fake')).fake.module);

type Item = MenuItemConstructorOptions;
const REGISTRY_ACTIONS = actionsOf('global');
const DESKTOP_ACTIONS = actionsOf('desktop');
const sent: MenuAction[] = [];
const send = (a: MenuAction) => sent.push(a);
const newWindow = vi.fn();
beforeEach(() => {
  sent.splice(0);
  newWindow.mockClear();
});

const submenu = (items: Item[], label: string): Item[] => {
  const found = items.find((i) => i.label === label || i.id === label);
  if (!found || !Array.isArray(found.submenu)) throw new Error(`no submenu ${label}`);
  return found.submenu;
};
const ids = (items: Item[]) => items.filter((i) => i.type !== 'separator').map((i) => i.id ?? i.role);
const flat = (items: Item[]): Item[] => items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flat(i.submenu) : [])]);

describe('menuTemplate', () => {
  const template = menuTemplate({ recent: ['/home/u/labs/a.qnet.yaml', '/home/u/b.qnet.yaml'], send, newWindow });

  it('has File, Edit, Lab, View and Help', () => {
    expect(template.map((m) => m.label)).toEqual(['&File', '&Edit', '&Lab', '&View', '&Help']);
  });

  it('File: new, new window, open, open recent, import, save, save as, export scripts, export image', () => {
    const file = submenu(template, '&File');
    expect(ids(file)).toEqual([
      'new',
      'newWindow',
      'open',
      'openRecent',
      'import',
      'examples',
      'save',
      'saveAs',
      'export',
      'exportImage',
      'quit',
    ]);
    expect(ids(submenu(file, 'exportImage'))).toEqual(['export-svg', 'export-png']);
  });

  it('New Window is main’s own: it opens a window and sends the page nothing', () => {
    const item = submenu(template, '&File').find((i) => i.id === 'newWindow')!;
    expect(item).toMatchObject({ label: 'New Window', accelerator: 'Shift+CmdOrCtrl+N' });
    (item.click as () => void)();
    expect(newWindow).toHaveBeenCalledTimes(1);
    expect(sent).toEqual([]);
  });

  it('Edit and Lab carry the registry’s editing actions and validate, launch, stop', () => {
    expect(ids(submenu(template, '&Edit'))).toEqual(['undo', 'redo', 'cut', 'copy', 'paste', 'delete', 'selectAll']);
    expect(ids(submenu(template, '&Lab'))).toEqual(['validate', 'launch', 'stop']);
  });

  it('gives each action item the registry’s label and shortcut, and sends its name when chosen', () => {
    const actionItems = flat(template).filter((i) => i.id && MENU_ACTIONS.has(i.id));
    expect(actionItems.length).toBeGreaterThan(15);
    for (const item of actionItems) {
      const action = MENU_ACTIONS.get(item.id!)!;
      expect(item.accelerator).toBe(action.keys ? toAccelerator(action.keys) : undefined);
      (item.click as () => void)();
      expect(sent.at(-1)).toEqual({ name: action.name });
    }
    const save = flat(template).find((i) => i.id === 'save')!;
    expect(save).toMatchObject({ label: 'Save', accelerator: 'CmdOrCtrl+S' });
  });

  it('shows registry shortcuts without registering them (the page runs them), registers pending ones', () => {
    const items = flat(template);
    for (const a of REGISTRY_ACTIONS.filter((x) => x.keys)) {
      const item = items.find((i) => i.id === a.name);
      if (item) expect(item.registerAccelerator, a.name).toBe(false);
    }
    expect(items.find((i) => i.id === 'saveAs')).toMatchObject({
      accelerator: 'Shift+CmdOrCtrl+S',
      registerAccelerator: true,
    });
    // Launch, stop and validate are the registry's now: the page runs them, like every registry action.
    expect(DESKTOP_ACTIONS.map((a) => a.name)).not.toContain('launch');
    expect(REGISTRY_ACTIONS.map((a) => a.name)).toEqual(expect.arrayContaining(['validate', 'launch', 'stop']));
  });

  it('lists recent files, each opening its path', () => {
    const recent = submenu(submenu(template, '&File'), 'openRecent');
    expect(recent.map((i) => i.label)).toEqual([
      'a.qnet.yaml  —  /home/u/labs/a.qnet.yaml',
      'b.qnet.yaml  —  /home/u/b.qnet.yaml',
    ]);
    (recent[1]!.click as () => void)();
    expect(sent).toEqual([{ name: 'openRecent', path: '/home/u/b.qnet.yaml' }]);
    const empty = submenu(submenu(menuTemplate({ recent: [], send, newWindow }), '&File'), 'openRecent');
    expect(empty).toEqual([{ label: 'No recent files', enabled: false }]);
  });

  it('refuses to name an action the registry does not have', () => {
    expect(() => actionItem('launchMissiles', send)).toThrow(/not an action of the registry/);
  });
});

describe('MenuManager', () => {
  it('greys the actions the page says cannot run, in place and over a rebuild', () => {
    const m = new MenuManager(() => ({ recent: [], send, newWindow }));
    m.initialize();
    const item = (id: string) => flat(fake.menus.at(-1)!.template as Item[]).find((i) => i.id === id)!;
    expect(item('undo').enabled).toBe(true);
    m.setEnabled({ undo: false, stop: false, redo: true });
    expect([item('undo').enabled, item('stop').enabled, item('redo').enabled, item('save').enabled]).toEqual([
      false,
      false,
      true,
      true,
    ]);
    m.refresh(); // the recent list changed: the new menu keeps the states
    expect([item('undo').enabled, item('stop').enabled]).toEqual([false, false]);
    m.dispose();
  });

  it('sets the application menu on initialize and refresh, and clears it on dispose', () => {
    let recent = ['/a.qnet.yaml'];
    const before = fake.menus.length;
    const m = new MenuManager(() => ({ recent, send, newWindow }));
    m.initialize();
    recent = ['/b.qnet.yaml', '/a.qnet.yaml'];
    m.refresh();
    m.dispose();
    const set = fake.menus.slice(before);
    expect(set).toHaveLength(3);
    const file = (set[1]!.template as Item[])[0]!.submenu as Item[];
    expect((file.find((i) => i.id === 'openRecent')!.submenu as Item[]).length).toBe(2);
    expect(set[2]!.template).toBeNull();
  });
});

describe('toAccelerator', () => {
  it.each([
    ['Ctrl+O', 'CmdOrCtrl+O'],
    ['Shift+Ctrl+Z', 'Shift+CmdOrCtrl+Z'],
    ['Delete', 'Delete'],
    ['Shift+ArrowLeft', 'Shift+Left'],
    ['ArrowDown', 'Down'],
    ['Ctrl+a', 'CmdOrCtrl+A'],
  ])('%s → %s', (keys, accelerator) => expect(toAccelerator(keys)).toBe(accelerator));

  it('turns every key of the registry into a valid Electron accelerator', () => {
    const valid = /^((Shift|Alt|CmdOrCtrl)\+)*([A-Z0-9]|Delete|Backspace|Left|Right|Up|Down|F\d{1,2}|Enter|Escape)$/;
    for (const a of [...REGISTRY_ACTIONS, ...DESKTOP_ACTIONS]) if (a.keys) expect(toAccelerator(a.keys)).toMatch(valid);
  });
});
