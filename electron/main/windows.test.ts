import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserWindow } from 'electron';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fake, FAKE_WORK_AREA, type FakeBrowserWindow } from '../testkit/electron-fake';
import { APP_URL } from './protocol';
import { SettingsStore } from './settings';
import { CASCADE, cascadeBounds, WindowManager } from './windows';

vi.mock('electron', async () => (await import('../testkit/electron-fake')).fake.module);

const dir = mkdtempSync(join(tmpdir(), 'qnet-windows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let settings: SettingsStore;
let created: BrowserWindow[];
let windows: WindowManager;
const asFake = (w: BrowserWindow) => w as unknown as FakeBrowserWindow;

beforeEach(() => {
  fake.reset();
  settings = new SettingsStore(join(dir, `settings-${Math.random()}.json`));
  settings.initialize();
  created = [];
  windows = new WindowManager('/app/preload.cjs', settings, (w) => created.push(w));
});

describe('WindowManager', () => {
  it('opens the first window where the last one closed, locked down, on the app page, and reports it before loading', async () => {
    settings.update({ window: { x: 100, y: 80, width: 1000, height: 700, maximized: true } });
    const win = asFake(await windows.open());
    expect(win.options).toMatchObject({
      x: 100,
      y: 80,
      width: 1000,
      height: 700,
      webPreferences: { sandbox: true, contextIsolation: true },
    });
    expect(win.maximized).toBe(true);
    expect(win.loaded).toEqual([APP_URL]);
    expect(win.shown).toBe(true);
    expect(created).toEqual([win]);
    expect(win.webContents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('cascades a new window from the focused one; the focused one is where menu actions go', async () => {
    const a = asFake(await windows.open());
    a.setBounds({ x: 200, y: 150, width: 900, height: 600 });
    const b = asFake(await windows.open());
    expect(b.options).toMatchObject({ x: 200 + CASCADE, y: 150 + CASCADE, width: 900, height: 600 });
    expect(windows.windows).toEqual([a, b]);
    expect(windows.focused()).toBe(b);
    a.focus();
    expect(windows.focused()).toBe(a);
    a.blur(); // another app has the focus: the one ours had last
    expect(windows.focused()).toBe(a);
    a.close();
    expect(windows.windows).toEqual([b]);
    expect(windows.focused()).toBe(b);
  });

  it('keeps a cascaded window on a display', () => {
    const far = { x: FAKE_WORK_AREA.width - 40, y: 100, width: 900, height: 600 };
    expect(cascadeBounds(far, [FAKE_WORK_AREA])).toEqual({ width: 900, height: 600 });
    expect(cascadeBounds({ x: 0, y: 0, width: 900, height: 600 }, [FAKE_WORK_AREA])).toEqual({
      x: CASCADE,
      y: CASCADE,
      width: 900,
      height: 600,
    });
  });

  it('remembers the bounds of the last window closed, and destroys every window on dispose', async () => {
    const a = asFake(await windows.open());
    const b = asFake(await windows.open());
    a.setBounds({ x: 10, y: 20, width: 800, height: 500 });
    a.close();
    expect(settings.get().window).toEqual({ x: 10, y: 20, width: 800, height: 500 });
    b.maximize();
    b.close();
    expect(settings.get().window).toMatchObject({ maximized: true });
    const c = asFake(await windows.open());
    windows.dispose();
    expect(c.destroyed).toBe(true);
    expect(windows.windows).toEqual([]);
    expect(windows.focused()).toBeNull();
  });
});
