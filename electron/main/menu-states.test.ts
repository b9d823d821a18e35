import type { BrowserWindow, WebContents } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fake, type FakeBrowserWindow } from '../testkit/electron-fake';
import { MenuStates } from './menu-states';

vi.mock('electron', async () => (await import('../testkit/electron-fake')).fake.module);

beforeEach(() => fake.reset());

describe('MenuStates', () => {
  it('shows the focused window’s actions; another window’s report waits until it takes the focus', () => {
    const shown: Record<string, boolean>[] = [];
    const a: FakeBrowserWindow = new fake.module.BrowserWindow({});
    const b: FakeBrowserWindow = new fake.module.BrowserWindow({});
    const states = new MenuStates(
      () => (fake.module.BrowserWindow.getFocusedWindow()?.webContents as unknown as WebContents) ?? null,
      (e) => shown.push({ ...e }),
    );
    for (const w of [a, b]) states.watch(w as unknown as BrowserWindow);
    a.focus(); // nothing reported yet: every action enabled
    expect(shown).toEqual([{}]);
    states.report(a.webContents as unknown as WebContents, { undo: true });
    states.report(b.webContents as unknown as WebContents, { undo: false });
    expect(shown).toEqual([{}, { undo: true }]);
    b.focus();
    expect(shown.at(-1)).toEqual({ undo: false });
    a.focus();
    expect(shown.at(-1)).toEqual({ undo: true });
  });
});
