import { describe, expect, it, vi } from 'vitest';
import type { WebContents } from 'electron';
import { FakeWebContents } from '../testkit/electron-fake';
import {
  CONSOLE_BOUNDS,
  DEFAULT_BOUNDS,
  guardNavigation,
  isAppUrl,
  isConsoleUrl,
  visibleBounds,
  windowOptions,
} from './window';

vi.mock('electron', async () => (await import('../testkit/electron-fake')).fake.module);

describe('windowOptions', () => {
  it('isolates the page: context isolation, the sandbox, no Node, web security, our preload', () => {
    const { webPreferences } = windowOptions('/app/dist/electron/preload.cjs');
    expect(webPreferences).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('uses the remembered size and position, and defaults without them', () => {
    expect(windowOptions('/p', { x: 10, y: 20, width: 900, height: 700 })).toMatchObject({
      x: 10,
      y: 20,
      width: 900,
      height: 700,
    });
    const o = windowOptions('/p');
    expect(o).toMatchObject(DEFAULT_BOUNDS);
    expect(o.x).toBeUndefined();
  });
});

describe('guardNavigation', () => {
  const navigate = (contents: FakeWebContents, name: string, url: string) => {
    const event = { url, preventDefault: vi.fn() };
    contents.emit(name, event);
    return event.preventDefault.mock.calls.length > 0;
  };

  it('keeps the window on our origin and refuses new windows and webviews', () => {
    const contents = new FakeWebContents();
    guardNavigation(contents as unknown as WebContents);
    expect(navigate(contents, 'will-navigate', 'https://example.com/')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'qnet-app://studio.evil/index.html')).toBe(true);
    expect(navigate(contents, 'will-redirect', 'http://127.0.0.1:5173/')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'qnet-app://studio/index.html')).toBe(false);
    expect(navigate(contents, 'will-attach-webview', 'qnet-app://studio/')).toBe(true);
    expect(contents.windowOpenHandler?.({ url: 'qnet-app://studio/index.html' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
  });

  it('opens a popped-out console of ours, locked down like the editor, and nothing else', () => {
    const contents = new FakeWebContents();
    guardNavigation(contents as unknown as WebContents, '/p/preload.cjs');
    const open = (url: string) => contents.windowOpenHandler?.({ url }) as unknown as Record<string, unknown>;
    const popped = open('qnet-app://studio/index.html?console=lab&vm=server');
    expect(popped).toMatchObject({
      action: 'allow',
      overrideBrowserWindowOptions: {
        ...CONSOLE_BOUNDS,
        webPreferences: windowOptions('/p/preload.cjs').webPreferences,
      },
    });
    expect(open('qnet-app://studio/index.html')).toEqual({ action: 'deny' });
    expect(open('https://example.com/?console=lab&vm=server')).toEqual({ action: 'deny' });
    // A console window opens nothing further.
    const child = new FakeWebContents();
    guardNavigation(child as unknown as WebContents);
    expect(child.windowOpenHandler?.({ url: 'qnet-app://studio/index.html?console=lab&vm=server' })).toEqual({
      action: 'deny',
    });
    expect(isConsoleUrl('qnet-app://studio/?console=a')).toBe(false);
  });

  it('knows our pages', () => {
    expect(isAppUrl('qnet-app://studio/index.html')).toBe(true);
    expect(isAppUrl('qnet-app://studio')).toBe(true);
    expect(isAppUrl('qnet-app://studiox/index.html')).toBe(false);
    expect(isAppUrl('https://studio/')).toBe(false);
  });
});

describe('visibleBounds', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
  it('keeps a position some display shows', () => {
    const b = { x: 100, y: 100, width: 800, height: 600 };
    expect(visibleBounds(b, screen)).toEqual(b);
  });
  it('drops a position off every display (a monitor was unplugged), keeping the size', () => {
    expect(visibleBounds({ x: 2500, y: 100, width: 800, height: 600, maximized: true }, screen)).toEqual({
      width: 800,
      height: 600,
      maximized: true,
    });
    expect(visibleBounds({ x: 100, y: -400, width: 800, height: 600 }, screen)).toEqual({ width: 800, height: 600 });
  });
  it('defaults without remembered bounds', () => expect(visibleBounds(undefined, screen)).toEqual(DEFAULT_BOUNDS));
});
