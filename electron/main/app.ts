/**
 * The orchestrator: composes the main process's managers (settings, engine, protocol + CSP, IPC, files, menu,
 * windows), initializes them in order and disposes them in reverse. Any number of editor windows follow the one
 * engine; closing a window asks about its unsaved changes, and the app going (its last window, or Quit) asks about
 * the running labs (close-flow.ts). Quitting waits for the engine to stop every lab.
 */
import { join, resolve } from 'node:path';
import { app, session, type BrowserWindow, type Session } from 'electron';
import type { MenuAction } from '../../shared/desktop-api';
import { defaultStateDir } from '../engine/host-paths';
import { probeHost, realStateDir } from '../engine/host-probe';
import { tinyGuestBuilder } from '../guest/ondemand';
import { NicModelCache } from '../engine/probe-nic-models';
import { fetchedQemus, readQemuChoice } from '../engine/qemu-choice';
import { webRoutes } from '../server/routes';
import { CloseFlow } from './close-flow';
import { CspManager } from './csp';
import { FileManager } from './dialogs';
import { editText } from './edit-text';
import { EngineManager } from './engine-manager';
import { IpcManager } from './ipc';
import { MenuManager } from './menu';
import { MenuStates } from './menu-states';
import { ProtocolManager } from './protocol';
import { SettingsStore } from './settings';
import { WindowManager } from './windows';

export interface AppPaths {
  /** The package root: dist/renderer, dist/electron/preload.cjs and assets/ are under it. */
  readonly root: string;
  /** Where settings.json lives (app.getPath('userData')). */
  readonly userData: string;
}

/** Only what a page may ask: writing to the clipboard (console copy). Camera, notifications, … are refused. */
function lockPermissions(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(permission === 'clipboard-sanitized-write'),
  );
  ses.setPermissionCheckHandler((_contents, permission) => permission === 'clipboard-sanitized-write');
}

class QnetApp {
  private readonly settings: SettingsStore;
  private readonly engine: EngineManager;
  private readonly files: FileManager;
  private readonly ipc: IpcManager;
  private readonly menu: MenuManager;
  private readonly protocol: ProtocolManager;
  private readonly csp = new CspManager(() => session.defaultSession);
  private readonly windows: WindowManager;
  private readonly closeFlow: CloseFlow;
  private readonly menuStates: MenuStates;

  constructor(private readonly paths: AppPaths) {
    this.settings = new SettingsStore(join(paths.userData, 'settings.json'));
    this.engine = new EngineManager(
      defaultStateDir(),
      undefined,
      tinyGuestBuilder(join(paths.root, 'assets', 'guest')),
    );
    this.files = new FileManager(this.settings, {
      recentChanged: () => this.menu.refresh(),
      saveFinished: (saved, sender) => this.closeFlow.saveFinished(sender, saved),
    });
    this.ipc = new IpcManager(
      { request: (r) => this.engine.api.request(r), subscribe: (l) => this.engine.api.subscribe(l) },
      (request, sender) => {
        if (request.type === 'editText') return Promise.resolve(editText(sender, request.op));
        if (request.type === 'menuState') return Promise.resolve(this.menuStates.report(sender, request.enabled));
        return this.files.handle(request, sender);
      },
    );
    this.menu = new MenuManager(() => ({
      recent: this.files.recent(),
      send: (action) => this.sendToFocused(action),
      newWindow: () => void this.openWindow(),
    }));
    // The page compiles with the host probe the engine launches with, and the engine's default state directory.
    this.protocol = new ProtocolManager(join(paths.root, 'dist', 'renderer'), () =>
      webRoutes(
        {
          options: { stateDir: realStateDir(defaultStateDir()) },
          probe: (pairs, chosen) => probeHost({ pairs, ...(chosen ? { chosenQemu: chosen } : {}) }),
          chooseQemu: readQemuChoice,
          offers: () => fetchedQemus(),
        },
        new NicModelCache(),
        join(paths.root, 'assets', 'examples'),
      ),
    );
    this.menuStates = new MenuStates(
      () => this.windows.focused()?.webContents ?? null,
      (enabled) => this.menu.setEnabled(enabled),
    );
    this.windows = new WindowManager(join(paths.root, 'dist', 'electron', 'preload.cjs'), this.settings, (win) => {
      this.ipc.attach(win.webContents);
      this.closeFlow.watch(win);
      this.menuStates.watch(win);
    });
    this.closeFlow = new CloseFlow({
      windows: () => this.windows.windows,
      focused: () => this.windows.focused(),
      document: (contents) => this.files.stateOf(contents),
      labs: () => this.engine.labs(),
      stopLab: (lab) => this.engine.api.request({ type: 'stop', lab }),
      save: (contents) => this.ipc.sendAction({ name: 'save' }, contents),
      quit: () => app.quit(),
    });
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
    await this.openWindow();
  }

  /** Opens another editor window on the same engine: it follows the running labs like a second browser tab. */
  openWindow(): Promise<BrowserWindow> {
    return this.windows.open();
  }

  /** `before-quit`: each window's unsaved changes, then the running labs, are asked about first. */
  beforeQuit(event: { preventDefault(): void }): void {
    this.closeFlow.beforeQuit(event);
  }

  /** Opens a file the OS or the command line gave us, in the focused window: the page reads it with readFile. */
  openPath(path: string): void {
    this.sendToFocused({ name: 'openPath', path: this.files.grant(path) });
  }

  /** Brings the focused window forward (a second launch of the app). */
  focus(): void {
    const win = this.windows.focused();
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

  private sendToFocused(action: MenuAction): void {
    const win = this.windows.focused();
    if (win) this.ipc.sendAction(action, win.webContents);
  }
}

/** Runs the app: one instance (a second launch hands its file to the first), its windows, orderly quit. */
export async function runApp(root: string): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const files = (argv: readonly string[]) => argv.filter((a) => /\.(qnet\.yaml|ya?ml)$/.test(a) && !a.startsWith('-'));
  await app.whenReady();
  const qnet = new QnetApp({ root, userData: app.getPath('userData') });
  // A second launch's relative paths are relative to where it was started, not to where this one was.
  app.on('second-instance', (_event, argv, workingDirectory) => {
    qnet.focus();
    for (const f of files(argv.slice(1))) qnet.openPath(resolve(workingDirectory, f));
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => qnet.beforeQuit(event));
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
  for (const f of files(process.argv.slice(app.isPackaged ? 1 : 2))) qnet.openPath(resolve(f));
}
