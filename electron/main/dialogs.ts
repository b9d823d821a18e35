/**
 * Files for the desktop page: native open/save dialogs for *.qnet.yaml, the recent files list, and the document's
 * unsaved-changes state (the window title, the close prompt). The page may read or overwrite only files the user
 * handed over (a dialog, the recent list, the command line or the OS): it names them by path, main checks.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { app, BrowserWindow, dialog, type WebContents } from 'electron';
import { fail, type Result } from '../../shared/api';
import type { DesktopFile, DesktopRequest } from '../../shared/desktop-api';
import { withRecent, type SettingsStore } from './settings';

const done = <T extends object>(value: T): Result<T> => ({ ok: true, ...value });

export const FILE_EXTENSION = '.qnet.yaml';
const FILTERS = [
  { name: 'Qnet topology', extensions: ['qnet.yaml'] },
  { name: 'YAML', extensions: ['yaml', 'yml'] },
];

/** `path` with the .qnet.yaml extension (what the user typed may lack it). */
export function withExtension(path: string): string {
  if (path.endsWith(FILE_EXTENSION)) return path;
  return path.endsWith('.yaml') || path.endsWith('.yml') ? path : `${path}${FILE_EXTENSION}`;
}

/** The window title for a document. */
export function windowTitle(path: string | null, dirty: boolean): string {
  return `${dirty ? '• ' : ''}${path ? basename(path) : 'Untitled'} — Qnet Studio`;
}

export interface DocumentState {
  readonly dirty: boolean;
  readonly path: string | null;
}

export interface FileManagerHooks {
  /** The recent list changed (the menu rebuilds). */
  readonly recentChanged?: () => void;
  /** The page reported its document state. */
  readonly documentChanged?: (state: DocumentState) => void;
  /** A save the page asked for ended: written, or not (dialog cancelled, write failed). */
  readonly saveFinished?: (saved: boolean) => void;
}

export class FileManager {
  /** Paths the user handed over: the page may read or write these. */
  private readonly granted = new Set<string>();
  private document: DocumentState = { dirty: false, path: null };

  constructor(
    private readonly settings: SettingsStore,
    private readonly hooks: FileManagerHooks = {},
  ) {}

  initialize(): void {
    for (const path of this.settings.get().recent) this.granted.add(path);
  }

  dispose(): void {
    this.granted.clear();
  }

  get state(): DocumentState {
    return this.document;
  }

  recent(): readonly string[] {
    return this.settings.get().recent;
  }

  /** A file the user gave the app outside the page (command line, file manager): the page may now read it. */
  grant(path: string): string {
    const abs = resolve(path);
    this.granted.add(abs);
    return abs;
  }

  /** Serves one desktop request of the page in `sender`. */
  async handle(request: DesktopRequest, sender: WebContents): Promise<Result> {
    const win = BrowserWindow.fromWebContents(sender);
    switch (request.type) {
      case 'ready': // answered by the IPC layer, which holds the queued actions
        return done({ actions: [] });
      case 'openFile': {
        const options = { title: 'Open topology', properties: ['openFile' as const], filters: FILTERS };
        const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
        const path = picked.canceled ? undefined : picked.filePaths[0];
        if (!path) return done({ file: null });
        return this.read(this.grant(path));
      }
      case 'readFile':
        if (!this.granted.has(request.path)) return fail('INVALID_REQUEST', `${request.path} was not opened by the user`);
        return this.read(request.path);
      case 'saveFile':
        if (request.path !== undefined && this.granted.has(request.path)) return this.write(request.path, request.text);
        return this.saveAs(win, request.text, request.suggestedName ?? request.path);
      case 'saveFileAs':
        return this.saveAs(win, request.text, request.suggestedName ?? this.document.path ?? undefined);
      case 'recentFiles':
        return done({ paths: this.recent() });
      case 'documentState':
        this.document = { dirty: request.dirty, path: request.path };
        win?.setTitle(windowTitle(request.path, request.dirty));
        this.hooks.documentChanged?.(this.document);
        return { ok: true };
    }
  }

  private async read(path: string): Promise<Result<{ file: DesktopFile }>> {
    try {
      const text = await readFile(path, 'utf8');
      this.remember(path);
      return { ok: true, file: { path, text } };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.forget(path);
      return fail('INTERNAL', `cannot read ${path}: ${(err as Error).message}`);
    }
  }

  private async write(path: string, text: string): Promise<Result<{ path: string | null }>> {
    try {
      await writeFile(path, text, 'utf8');
    } catch (err) {
      this.hooks.saveFinished?.(false);
      return fail('INTERNAL', `cannot write ${path}: ${(err as Error).message}`);
    }
    this.remember(path);
    this.hooks.saveFinished?.(true);
    return { ok: true, path };
  }

  private async saveAs(win: BrowserWindow | null, text: string, suggested?: string): Promise<Result<{ path: string | null }>> {
    const name = basename(suggested ?? `untitled${FILE_EXTENSION}`);
    const dir = suggested && suggested.startsWith('/') ? dirname(suggested) : (this.recent()[0] ? dirname(this.recent()[0]!) : app.getPath('documents'));
    const options = { title: 'Save topology', defaultPath: join(dir, withExtension(name)), filters: FILTERS };
    const picked = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    if (picked.canceled || !picked.filePath) {
      this.hooks.saveFinished?.(false);
      return { ok: true, path: null };
    }
    return this.write(this.grant(withExtension(picked.filePath)), text);
  }

  private remember(path: string): void {
    this.granted.add(path);
    this.settings.update({ recent: withRecent(this.recent(), path) });
    app.addRecentDocument(path);
    this.hooks.recentChanged?.();
  }

  private forget(path: string): void {
    this.settings.update({ recent: this.recent().filter((p) => p !== path) });
    this.hooks.recentChanged?.();
  }
}
