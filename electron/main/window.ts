/**
 * One editor window's lockdown: web preferences (context isolation, the sandbox, no Node in the page), the page
 * kept on our own origin (navigation elsewhere, new windows and <webview> refused), and where it may be placed.
 * Every window windows.ts opens gets exactly these.
 */
import type { BrowserWindowConstructorOptions, Rectangle, WebContents } from 'electron';
import { APP_ORIGIN } from './protocol';
import type { WindowBounds } from './settings';

export const DEFAULT_BOUNDS = { width: 1280, height: 800 } as const;

/** The window's options: the security settings are the point, the rest is the remembered geometry. */
export function windowOptions(preload: string, bounds: WindowBounds = DEFAULT_BOUNDS): BrowserWindowConstructorOptions {
  return {
    ...(bounds.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    width: bounds.width,
    height: bounds.height,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Qnet Studio',
    backgroundColor: '#1e1e1e',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

/** Whether `url` is a page of ours (the app scheme's origin), the only place the window may show. */
export function isAppUrl(url: string): boolean {
  return url === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`);
}

/** A popped-out console's size: room for an 80×24 terminal and its bar. */
export const CONSOLE_BOUNDS = { width: 900, height: 560 } as const;

/** Whether `url` is a guest console page of ours (renderer/consoles/popout.ts), the one new window a page may open. */
export function isConsoleUrl(url: string): boolean {
  if (!isAppUrl(url)) return false;
  const q = new URL(url).searchParams;
  return q.has('console') && q.has('vm');
}

/**
 * Refuses navigation off our origin, new windows and webviews on `contents`. With `preload`, a guest console of
 * ours may be popped out: a window with exactly the same lockdown, smaller.
 */
export function guardNavigation(contents: WebContents, preload?: string): void {
  const refuse = (event: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', (event) => refuse(event, event.url));
  contents.on('will-redirect', (event) => refuse(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) =>
    preload !== undefined && isConsoleUrl(url)
      ? {
          action: 'allow',
          overrideBrowserWindowOptions: { ...windowOptions(preload, CONSOLE_BOUNDS), minWidth: 320, minHeight: 200 },
        }
      : { action: 'deny' },
  );
}

/** The remembered bounds, without the position when no display shows at least a corner of the window any more. */
export function visibleBounds(bounds: WindowBounds | undefined, workAreas: readonly Rectangle[]): WindowBounds {
  if (!bounds) return DEFAULT_BOUNDS;
  const { x, y, ...size } = bounds;
  if (x === undefined || y === undefined) return size;
  const grip = 48; // enough of the title bar to grab
  const seen = workAreas.some(
    (a) => x + grip <= a.x + a.width && x + bounds.width - grip >= a.x && y >= a.y && y + grip <= a.y + a.height,
  );
  return seen ? bounds : size;
}
