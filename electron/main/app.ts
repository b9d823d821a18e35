/**
 * The orchestrator: composes the main process's managers (settings, engine, protocol + CSP, IPC, files, menu,
 * window), initializes them in order and disposes them in reverse. Closing the window asks about unsaved changes
 * and running labs first (close-guard.ts); quitting waits for the engine to stop every lab.
 */
import { join } from 'node:path';
import { app, dialog, session, type BrowserWindow, type Session } from 'electron';
import { processIo } from '../cli/usage';
import { targetFromOptions } from '../cli/target-options';
import { probeQemu } from '../engine/probe-qemu';
import { NicModelCache, webRoutes } from '../server/routes';
import { decideClose } from './close-guard';
import { CspManager } from './csp';
import { FileManager } from './dialogs';
import { EngineManager } from './engine-manager';
import { IpcManager } from './ipc';
import { MenuManager } from './menu';
import { ProtocolManager } from './protocol';
import { SettingsStore } from './settings';
import { WindowManager } from './window';

export interface AppPaths {
  /** The package root: dist/renderer, dist/electron/preload.cjs and assets/ are under it. */
  readonly root: string;
  /** Where settings.json lives (app.getPath('userData')). */
  readonly userData: string;
}

/** Only what a page may ask: writing to the clipboard (console copy). Camera, notifications, … are refused. */
function lockPermissions(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, permission, callback) => callback(permission === 'clipboard-sanitized-write'));
  ses.setPermissionCheckHandler((_contents, permission) => permission === 'clipboard-sanitized-write');
}

export class QnetApp {
  private readonly settings: SettingsStore;
  private readonly engine = new EngineManager();
  private readonly files: FileManager;
  private readonly ipc: IpcManager;
  private readonly menu: MenuManager;
  private readonly protocol: ProtocolManager;
  private readonly csp = new CspManager(() => session.defaultSession);
  private readonly windows: WindowManager;
  /** Set once closing was approved, so the next close goes through. */
  private closeApproved = false;
  private prompting = false;
  private closeAfterSave = false;

  constructor(private readonly paths: AppPaths) {
    this.settings = new SettingsStore(join(paths.userData, 'settings.json'));
    this.files = new FileManager(this.settings, {
      recentChanged: () => this.menu.refresh(),
      saveFinished: (saved) => this.onSaveFinished(saved),
    });
    this.ipc = new IpcManager(
      { request: (r) => this.engine.api.request(r), subscribe: (l) => this.engine.api.subscribe(l) },
      (request, sender) => this.files.handle(request, sender),
    );
    this.menu = new MenuManager(() => ({ recent: this.files.recent(), send: (action) => this.ipc.sendAction(action) }));
    this.protocol = new ProtocolManager(join(paths.root, 'dist', 'renderer'), () => {
      const target = targetFromOptions({}, '', processIo);
      return webRoutes(target, probeQemu().version !== null, new NicModelCache(), join(paths.root, 'assets', 'examples'));
    });
    this.windows = new WindowManager(join(paths.root, 'dist', 'electron', 'preload.cjs'), this.settings);
  }

  async initialize(): Promise<void> {
    this.settings.initialize();
    this.files.initialize();
    await this.engine.initialize();
    lockPermissions(session.defaultSession);
    this.csp.initialize();
    this.protocol.initialize();
    this.ipc.initialize();
    this.menu.initialize();
    const win = await this.windows.initialize();
    this.ipc.attach(win.webContents);
    win.on('close', (event) => {
      if (this.closeApproved) return;
      event.preventDefault();
      void this.askToClose(win);
    });
  }

  /** Opens a file the OS or the command line gave us: the page reads it with a readFile request. */
  openPath(path: string): void {
    this.ipc.sendAction({ name: 'openPath', path: this.files.grant(path) });
  }

  /** Brings the window forward (a second launch of the app). */
  focus(): void {
    const win = this.windows.window;
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  }

  async dispose(): Promise<void> {
    this.windows.dispose();
    this.menu.dispose();
    this.ipc.dispose();
    this.protocol.dispose();
    this.csp.dispose();
    await this.engine.dispose();
    this.files.dispose();
    this.settings.dispose();
  }

  private async askToClose(win: BrowserWindow): Promise<void> {
    if (this.prompting) return;
    this.prompting = true;
    try {
      const decision = await decideClose({
        document: this.files.state,
        labs: () => this.engine.labs(),
        ask: async (box) => (await dialog.showMessageBox(win, { type: 'question', noLink: true, ...box })).response,
        stopLab: (lab) => this.engine.api.request({ type: 'stop', lab }),
      });
      if (decision === 'save') {
        this.closeAfterSave = true;
        this.ipc.sendAction({ name: 'save' }, win.webContents);
      } else if (decision === 'close') {
        this.closeApproved = true;
        win.close();
      }
    } finally {
      this.prompting = false;
    }
  }

  private onSaveFinished(saved: boolean): void {
    if (!this.closeAfterSave) return;
    this.closeAfterSave = false;
    const win = this.windows.window;
    if (saved && win) win.close();
  }
}

/** Runs the app: one instance (a second launch hands its file to the first), the window, orderly quit. */
export async function runApp(root: string): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const files = (argv: readonly string[]) => argv.filter((a) => /\.(qnet\.yaml|ya?ml)$/.test(a) && !a.startsWith('-'));
  await app.whenReady();
  const qnet = new QnetApp({ root, userData: app.getPath('userData') });
  app.on('second-instance', (_event, argv) => {
    qnet.focus();
    for (const f of files(argv.slice(1))) qnet.openPath(f);
  });
  app.on('window-all-closed', () => app.quit());
  let disposed = false;
  app.on('will-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    void qnet.dispose().finally(() => {
      disposed = true;
      app.quit();
    });
  });
  await qnet.initialize();
  for (const f of files(process.argv.slice(app.isPackaged ? 1 : 2))) qnet.openPath(f);
}
