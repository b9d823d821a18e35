/**
 * Test double of the `electron` module surface main uses (for `vi.mock('electron', …)` in *.test.ts): records
 * what the code under test asked for (windows and their options, ipcMain handlers, menu templates, dialogs) so the
 * tests can check it. Only Electron is faked; the window options, CSP, IPC routing and menus are the real code.
 */
import { EventEmitter } from 'node:events';

type Handler = (event: unknown, ...args: unknown[]) => unknown;
interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly sent: { channel: string; payload: unknown }[] = [];
  readonly mainFrame: { url: string };
  destroyed = false;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;

  constructor(url = 'qnet-app://studio/index.html') {
    super();
    this.mainFrame = { url };
  }
  send(channel: string, payload: unknown): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, payload });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(h: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = h;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

/** What the fake windows share: every window made, and the one with the keyboard focus. */
interface WindowRegistry {
  readonly all: FakeBrowserWindow[];
  focused: FakeBrowserWindow | null;
}

/** A BrowserWindow: `close()` emits a preventable `close`, then destroys the window and its page like Electron. */
export class FakeBrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  readonly loaded: string[] = [];
  bounds: Rect;
  title = '';
  shown = false;
  maximized = false;
  minimized = false;
  destroyed = false;

  constructor(
    readonly options: { x?: number; y?: number; width?: number; height?: number },
    private readonly registry: WindowRegistry,
  ) {
    super();
    const { x = 0, y = 0, width = 800, height = 600 } = options;
    this.bounds = { x, y, width, height };
    registry.all.push(this);
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.emit('ready-to-show');
  }
  show(): void {
    this.shown = true;
    this.focus();
  }
  focus(): void {
    this.registry.focused = this;
    this.emit('focus');
  }
  /** Another app took the focus: none of ours has it. */
  blur(): void {
    if (this.registry.focused === this) this.registry.focused = null;
    this.emit('blur');
  }
  close(): void {
    if (this.destroyed) return;
    const event = {
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.registry.focused === this) this.registry.focused = null;
    this.webContents.destroy();
    this.emit('closed');
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getBounds(): Rect {
    return { ...this.bounds };
  }
  getNormalBounds(): Rect {
    return { ...this.bounds };
  }
  setBounds(b: Partial<Rect>): void {
    this.bounds = { ...this.bounds, ...b };
  }
  maximize(): void {
    this.maximized = true;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  setTitle(title: string): void {
    this.title = title;
  }
}

/** The one display the fake screen has. */
export const FAKE_WORK_AREA = { x: 0, y: 0, width: 1920, height: 1080 } as const;

/** The item with `id` in a menu template, searching submenus; null when there is none. */
function findItem(items: unknown[], id: string): Record<string, unknown> | null {
  for (const item of items as Record<string, unknown>[]) {
    if (item.id === id) return item;
    const found = Array.isArray(item.submenu) ? findItem(item.submenu, id) : null;
    if (found) return found;
  }
  return null;
}

export function createElectronFake() {
  const appMenu: { current: { template: unknown[] } | null } = { current: null };
  const handlers = new Map<string, Handler>();
  const menus: { template: unknown[] | null }[] = [];
  const registry: WindowRegistry = { all: [], focused: null };
  const dialogCalls: { kind: string; options: unknown; parent: unknown }[] = [];
  /** `boxes` answers message boxes in turn; once empty, `box` answers them. */
  const dialogAnswers: { open: string[] | null; save: string | null; box: number; boxes: number[] } = {
    open: null,
    save: null,
    box: 0,
    boxes: [],
  };
  const recentDocs: string[] = [];
  const calls = { quit: 0 };
  const parentOf = (args: unknown[]) => (args.length > 1 ? args[0] : null);
  class BrowserWindow extends FakeBrowserWindow {
    constructor(options: FakeBrowserWindow['options']) {
      super(options, registry);
    }
    static getFocusedWindow = () => registry.focused;
    static getAllWindows = () => registry.all.filter((w) => !w.destroyed);
    static fromWebContents = (contents: unknown) => registry.all.find((w) => w.webContents === contents) ?? null;
  }
  return {
    handlers,
    menus,
    /** Every window made, closed ones too, in order. */
    windows: registry.all,
    dialogCalls,
    dialogAnswers,
    recentDocs,
    calls,
    /** Forgets windows, focus and dialogs (between tests). */
    reset(): void {
      registry.all.splice(0);
      registry.focused = null;
      dialogCalls.splice(0);
      Object.assign(dialogAnswers, { open: null, save: null, box: 0, boxes: [] });
      calls.quit = 0;
    },
    module: {
      ipcMain: {
        handle: (channel: string, h: Handler) => {
          if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
          handlers.set(channel, h);
        },
        removeHandler: (channel: string) => handlers.delete(channel),
      },
      Menu: {
        /** A menu over its template: `getMenuItemById` returns the template's item itself (changes show there). */
        buildFromTemplate: (template: unknown[]) => ({
          template,
          getMenuItemById: (id: string) => findItem(template, id),
        }),
        setApplicationMenu: (menu: { template: unknown[] } | null) => {
          appMenu.current = menu;
          menus.push({ template: menu?.template ?? null });
        },
        getApplicationMenu: () => appMenu.current,
      },
      dialog: {
        showOpenDialog: async (...args: unknown[]) => {
          dialogCalls.push({ kind: 'open', options: args.at(-1), parent: parentOf(args) });
          return dialogAnswers.open
            ? { canceled: false, filePaths: dialogAnswers.open }
            : { canceled: true, filePaths: [] };
        },
        showSaveDialog: async (...args: unknown[]) => {
          dialogCalls.push({ kind: 'save', options: args.at(-1), parent: parentOf(args) });
          return dialogAnswers.save
            ? { canceled: false, filePath: dialogAnswers.save }
            : { canceled: true, filePath: '' };
        },
        showMessageBox: async (...args: unknown[]) => {
          dialogCalls.push({ kind: 'box', options: args.at(-1), parent: parentOf(args) });
          return { response: dialogAnswers.boxes.shift() ?? dialogAnswers.box };
        },
      },
      BrowserWindow,
      app: {
        addRecentDocument: (path: string) => recentDocs.push(path),
        getPath: () => '/home/user/Documents',
        quit: () => void calls.quit++,
      },
      session: {
        defaultSession: {
          webRequest: { onHeadersReceived: () => {} },
          setPermissionRequestHandler: () => {},
          setPermissionCheckHandler: () => {},
        },
      },
      protocol: { registerSchemesAsPrivileged: () => {}, handle: () => {}, unhandle: () => {} },
      screen: { getAllDisplays: () => [{ workArea: FAKE_WORK_AREA }] },
    },
  };
}

/** An IPC invoke event as Electron passes it to a handler, from `contents`' main frame (or another frame). */
export function invokeEvent(contents: FakeWebContents, frame: { url: string } | null = contents.mainFrame) {
  return { sender: contents, senderFrame: frame };
}

/** The one fake the `electron` mock of every main test returns: `vi.mock('electron', async () => (await import('../testkit/electron-fake')).fake.module)`. */
export const fake = createElectronFake();
