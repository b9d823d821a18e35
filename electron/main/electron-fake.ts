/**
 * Test double of the `electron` module surface main uses (for `vi.mock('electron', …)` in *.test.ts): records
 * what the code under test asked for (window options, ipcMain handlers, menu templates, dialogs) so the tests can
 * check it. Only Electron is faked; the window options, CSP, IPC routing and menus are the real code.
 */
import { EventEmitter } from 'node:events';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

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

export function createElectronFake() {
  const handlers = new Map<string, Handler>();
  const menus: { template: unknown[] | null }[] = [];
  const windows: { options: unknown }[] = [];
  const dialogCalls: { kind: string; options: unknown }[] = [];
  const dialogAnswers: { open: string[] | null; save: string | null; box: number } = { open: null, save: null, box: 0 };
  const recentDocs: string[] = [];
  return {
    handlers,
    menus,
    windows,
    dialogCalls,
    dialogAnswers,
    recentDocs,
    module: {
      ipcMain: {
        handle: (channel: string, h: Handler) => {
          if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
          handlers.set(channel, h);
        },
        removeHandler: (channel: string) => handlers.delete(channel),
      },
      Menu: {
        buildFromTemplate: (template: unknown[]) => ({ template }),
        setApplicationMenu: (menu: { template: unknown[] } | null) => menus.push({ template: menu?.template ?? null }),
      },
      dialog: {
        showOpenDialog: async (...args: unknown[]) => {
          dialogCalls.push({ kind: 'open', options: args.at(-1) });
          return dialogAnswers.open ? { canceled: false, filePaths: dialogAnswers.open } : { canceled: true, filePaths: [] };
        },
        showSaveDialog: async (...args: unknown[]) => {
          dialogCalls.push({ kind: 'save', options: args.at(-1) });
          return dialogAnswers.save ? { canceled: false, filePath: dialogAnswers.save } : { canceled: true, filePath: '' };
        },
        showMessageBox: async (...args: unknown[]) => {
          dialogCalls.push({ kind: 'box', options: args.at(-1) });
          return { response: dialogAnswers.box };
        },
      },
      BrowserWindow: Object.assign(
        function BrowserWindow(this: { options: unknown }, options: unknown) {
          this.options = options;
          windows.push({ options });
        },
        { fromWebContents: () => null },
      ),
      app: {
        addRecentDocument: (path: string) => recentDocs.push(path),
        getPath: () => '/home/user/Documents',
      },
      protocol: { registerSchemesAsPrivileged: () => {}, handle: () => {}, unhandle: () => {} },
      screen: { getAllDisplays: () => [] },
    },
  };
}

/** An IPC invoke event as Electron passes it to a handler, from `contents`' main frame (or another frame). */
export function invokeEvent(contents: FakeWebContents, frame: { url: string } | null = contents.mainFrame) {
  return { sender: contents, senderFrame: frame };
}

/** The one fake the `electron` mock of every main test returns: `vi.mock('electron', async () => (await import('./electron-fake')).fake.module)`. */
export const fake = createElectronFake();
