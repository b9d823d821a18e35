/**
 * The editor window: locked-down web preferences (context isolation, the sandbox, no Node in the page), the page
 * kept on our own origin (navigation elsewhere, new windows and <webview> refused), and its size and position
 * remembered in the settings file.
 */
import { BrowserWindow, screen, type BrowserWindowConstructorOptions, type Rectangle, type WebContents } from 'electron';
import { APP_ORIGIN, APP_URL } from './protocol';
import type { SettingsStore, WindowBounds } from './settings';

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

/** Refuses navigation off our origin, new windows and webviews on `contents`. */
export function guardNavigation(contents: WebContents): void {
  const refuse = (event: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', (event) => refuse(event, event.url));
  contents.on('will-redirect', (event) => refuse(event, event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** The remembered bounds, without the position when no display shows at least a corner of the window any more. */
export function visibleBounds(bounds: WindowBounds | undefined, workAreas: readonly Rectangle[]): WindowBounds {
  if (!bounds) return DEFAULT_BOUNDS;
  const { x, y, ...size } = bounds;
  if (x === undefined || y === undefined) return size;
  const grip = 48; // enough of the title bar to grab
  const seen = workAreas.some((a) => x + grip <= a.x + a.width && x + bounds.width - grip >= a.x && y >= a.y && y + grip <= a.y + a.height);
  return seen ? bounds : size;
}

/** Creates the window, loads the page, and saves its geometry when it closes. */
export class WindowManager {
  private win: BrowserWindow | null = null;

  constructor(
    private readonly preload: string,
    private readonly settings: SettingsStore,
  ) {}

  get window(): BrowserWindow | null {
    return this.win && !this.win.isDestroyed() ? this.win : null;
  }

  async initialize(): Promise<BrowserWindow> {
    const bounds = visibleBounds(this.settings.get().window, screen.getAllDisplays().map((d) => d.workArea));
    const win = new BrowserWindow(windowOptions(this.preload, bounds));
    this.win = win;
    guardNavigation(win.webContents);
    if (bounds.maximized) win.maximize();
    win.once('ready-to-show', () => win.show());
    win.on('close', () => this.saveBounds(win));
    await win.loadURL(APP_URL);
    return win;
  }

  /** Remembers the window's normal (unmaximized) bounds and whether it is maximized. */
  saveBounds(win: BrowserWindow): void {
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    this.settings.update({ window: { x: b.x, y: b.y, width: b.width, height: b.height, ...(win.isMaximized() ? { maximized: true } : {}) } });
  }

  dispose(): void {
    if (this.win && !this.win.isDestroyed()) this.win.destroy();
    this.win = null;
  }
}
