import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../renderer/actions/registry';
import { DESKTOP_ACTIONS, REGISTRY_ACTIONS, toAccelerator } from './actions';

describe('the menu’s copy of the action registry', () => {
  it('lists exactly the registry’s actions: names, labels and keys, in order', () => {
    const registry = ACTIONS.map((a) => ({ name: a.name, label: a.label, ...(a.keys ? { keys: a.keys } : {}) }));
    expect(REGISTRY_ACTIONS).toEqual(registry);
  });

  it('keeps desktop-only only what the registry does not have', () => {
    const names = new Set(ACTIONS.map((a) => a.name));
    const moved = DESKTOP_ACTIONS.filter((a) => names.has(a.name)).map((a) => a.name);
    expect(moved, 'now in the registry: move them from DESKTOP_ACTIONS to REGISTRY_ACTIONS').toEqual([]);
  });

  it('has unique names', () => {
    const names = [...REGISTRY_ACTIONS, ...DESKTOP_ACTIONS].map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
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
