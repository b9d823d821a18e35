/**
 * Files for the desktop pages: native open/save dialogs for *.qnet.yaml (on the asking page's window), the recent
 * files list, and each page's document state (its window's title, its close prompt). A page may read or overwrite
 * only files the user handed over (a dialog, the recent list, the command line or the OS): it names them by path,
 * main checks. The recent list and those grants are the app's, shared by every window.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { readTopologyFile } from '../engine/topology-file';
import { basename, dirname, join, resolve } from 'node:path';
import { app, BrowserWindow, dialog, type WebContents } from 'electron';
import { fail, type Result } from '../../shared/api';
import type { DesktopFile, DesktopRequest } from '../../shared/desktop-api';
import { withRecent, type SettingsStore } from './settings';

const done = <T extends object>(value: T): Result<T> => ({ ok: true, ...value });

const FILE_EXTENSION = '.qnet.yaml';
const FILTERS = [
  { name: 'Qnet topology', extensions: ['qnet.yaml'] },
  { name: 'YAML', extensions: ['yaml', 'yml'] },
];
const IMPORT_FILTERS = [
  { name: 'Shell scripts and QEMU command lines', extensions: ['sh', 'args', 'bash', 'txt'] },
  { name: 'All files', extensions: ['*'] },
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

/** A page that has not reported yet: nothing to lose. */
export const CLEAN_DOCUMENT: DocumentState = { dirty: false, path: null };

export interface FileManagerHooks {
  /** The recent list changed (the menu rebuilds). */
  readonly recentChanged?: () => void;
  /** The page in `sender` reported its document state. */
  readonly documentChanged?: (state: DocumentState, sender: WebContents) => void;
  /** A save the page in `sender` asked for ended: written, or not (dialog cancelled, write failed). */
  readonly saveFinished?: (saved: boolean, sender: WebContents) => void;
}

/** The desktop requests about files and the document (the rest are the app's: editText, menuState). */
export type FileRequest = Exclude<DesktopRequest, { type: 'editText' | 'menuState' }>;

export class FileManager {
  /** Paths the user handed over: the page may read or write these. */
  private readonly granted = new Set<string>();
  /** Each page's document, by its webContents id; forgotten when the page goes away. */
  private readonly documents = new Map<number, DocumentState>();

  constructor(
    private readonly settings: SettingsStore,
    private readonly hooks: FileManagerHooks = {},
  ) {}

  initialize(): void {
    for (const path of this.settings.get().recent) this.granted.add(path);
  }

  dispose(): void {
    this.granted.clear();
    this.documents.clear();
  }

  /** The document of the page in `contents`, as it last reported it. */
  stateOf(contents: WebContents): DocumentState {
    return this.documents.get(contents.id) ?? CLEAN_DOCUMENT;
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
  async handle(request: FileRequest, sender: WebContents): Promise<Result> {
    const win = BrowserWindow.fromWebContents(sender);
    switch (request.type) {
      case 'ready': // answered by the IPC layer, which holds the queued actions
        return done({ actions: [] });
      case 'openFile': {
        const importing = request.purpose === 'import';
        const options = importing
          ? { title: 'Import QEMU command lines', properties: ['openFile' as const], filters: IMPORT_FILTERS }
          : { title: 'Open topology', properties: ['openFile' as const], filters: FILTERS };
        const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
        const path = picked.canceled ? undefined : picked.filePaths[0];
        if (!path) return done({ file: null });
        // A script read for import is not a document: it is not handed out for saving, nor listed as recent.
        return importing ? this.readText(resolve(path)) : this.read(this.grant(path));
      }
      case 'readFile':
        if (!this.granted.has(request.path))
          return fail('INVALID_REQUEST', `${request.path} was not opened by the user`);
        return this.read(request.path);
      case 'saveFile':
        if (request.path !== undefined && this.granted.has(request.path))
          return this.write(sender, request.path, request.text);
        return this.saveAs(sender, win, request.text, request.suggestedName ?? request.path);
      case 'saveFileAs':
        return this.saveAs(sender, win, request.text, request.suggestedName ?? this.stateOf(sender).path ?? undefined);
      case 'recentFiles':
        return done({ paths: this.recent() });
      case 'documentState': {
        const id = sender.id;
        if (!this.documents.has(id)) sender.once('destroyed', () => this.documents.delete(id));
        const state = { dirty: request.dirty, path: request.path };
        this.documents.set(id, state);
        win?.setTitle(windowTitle(request.path, request.dirty));
        this.hooks.documentChanged?.(state, sender);
        return { ok: true };
      }
    }
  }

  private async readText(path: string): Promise<Result<{ file: DesktopFile }>> {
    const read = await readTopologyFile(path);
    return read.ok ? { ok: true, file: { path, text: read.text } } : fail('INTERNAL', read.why);
  }

  private async read(path: string): Promise<Result<{ file: DesktopFile }>> {
    const read = await readTopologyFile(path);
    if (!read.ok) {
      if (!existsSync(path)) this.forget(path);
      return fail('INTERNAL', read.why);
    }
    this.remember(path);
    return { ok: true, file: { path, text: read.text } };
  }

  private async write(sender: WebContents, path: string, text: string): Promise<Result<{ path: string | null }>> {
    try {
      await writeFile(path, text, 'utf8');
    } catch (err) {
      this.hooks.saveFinished?.(false, sender);
      return fail('INTERNAL', `cannot write ${path}: ${(err as Error).message}`);
    }
    this.remember(path);
    this.hooks.saveFinished?.(true, sender);
    return { ok: true, path };
  }

  private async saveAs(
    sender: WebContents,
    win: BrowserWindow | null,
    text: string,
    suggested?: string,
  ): Promise<Result<{ path: string | null }>> {
    const name = basename(suggested ?? `untitled${FILE_EXTENSION}`);
    const dir =
      suggested && suggested.startsWith('/')
        ? dirname(suggested)
        : this.recent()[0]
          ? dirname(this.recent()[0]!)
          : app.getPath('documents');
    const options = { title: 'Save topology', defaultPath: join(dir, withExtension(name)), filters: FILTERS };
    const picked = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    if (picked.canceled || !picked.filePath) {
      this.hooks.saveFinished?.(false, sender);
      return { ok: true, path: null };
    }
    return this.write(sender, this.grant(withExtension(picked.filePath)), text);
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
