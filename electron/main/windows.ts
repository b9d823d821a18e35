/**
 * The editor's windows: any number, each locked down alike (window.ts). The first opens where the last one closed
 * (the settings file), a new one cascades from the focused one. Which one is focused decides where a menu action or
 * a file from the OS goes.
 */
import { BrowserWindow, screen, type Rectangle } from 'electron';
import { APP_URL } from './protocol';
import type { SettingsStore, WindowBounds } from './settings';
import { guardNavigation, visibleBounds, windowOptions } from './window';

/** How far a new window sits right of and below the one it opens from. */
export const CASCADE = 30;

/** The bounds of a window opened from one at `from`: moved down and right, on a display if it still fits one. */
export function cascadeBounds(from: Rectangle, workAreas: readonly Rectangle[]): WindowBounds {
  return visibleBounds({ ...from, x: from.x + CASCADE, y: from.y + CASCADE }, workAreas);
}

export class WindowManager {
  /** Open windows, oldest first. */
  private readonly opened: BrowserWindow[] = [];
  private lastFocused: BrowserWindow | null = null;

  constructor(
    private readonly preload: string,
    private readonly settings: SettingsStore,
    /** Called with each new window before its page loads (IPC must know the page before it asks anything). */
    private readonly created: (win: BrowserWindow) => void = () => {},
  ) {}

  /** The live windows, oldest first. */
  get windows(): readonly BrowserWindow[] {
    return this.opened.filter((w) => !w.isDestroyed());
  }

  /** The window with the keyboard focus, else the one that had it last, else the newest; null with none open. */
  focused(): BrowserWindow | null {
    const live = this.windows;
    const focused = BrowserWindow.getFocusedWindow();
    if (focused && live.includes(focused)) return focused;
    if (this.lastFocused && live.includes(this.lastFocused)) return this.lastFocused;
    return live.at(-1) ?? null;
  }

  /** Opens a window on the editor: cascaded from the focused one, or where the last one closed. */
  async open(): Promise<BrowserWindow> {
    const workAreas = screen.getAllDisplays().map((d) => d.workArea);
    const from = this.focused();
    const bounds = from
      ? cascadeBounds(from.getNormalBounds(), workAreas)
      : visibleBounds(this.settings.get().window, workAreas);
    const win = new BrowserWindow(windowOptions(this.preload, bounds));
    this.opened.push(win);
    guardNavigation(win.webContents, this.preload);
    // A console popped out of this window's Consoles tab: locked down alike, talking to the engine as its own page.
    win.webContents.on('did-create-window', (child) => {
      guardNavigation(child.webContents);
      child.once('ready-to-show', () => child.show());
      this.created(child);
    });
    if (bounds.maximized) win.maximize();
    win.once('ready-to-show', () => win.show());
    win.on('focus', () => (this.lastFocused = win));
    win.on('close', () => this.saveBounds(win));
    win.once('closed', () => {
      this.opened.splice(this.opened.indexOf(win), 1);
      if (this.lastFocused === win) this.lastFocused = null;
    });
    this.created(win);
    await win.loadURL(APP_URL);
    return win;
  }

  /** Remembers the window's normal (unmaximized) bounds and whether it is maximized: the last one closed wins. */
  saveBounds(win: BrowserWindow): void {
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    this.settings.update({
      window: { x: b.x, y: b.y, width: b.width, height: b.height, ...(win.isMaximized() ? { maximized: true } : {}) },
    });
  }

  dispose(): void {
    for (const win of this.windows) win.destroy();
    this.opened.splice(0);
    this.lastFocused = null;
  }
}
