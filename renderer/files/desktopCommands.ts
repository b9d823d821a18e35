import { saveTopology, type Topology } from '../../shared/model';
import type { DesktopRequest, QnetWindowApi } from '../../shared/desktop-api';
import type { AppCommands } from '../actions/registry';
import type { EditorStore } from '../store/store';
import { isFilePath, saveNameOf } from './names';

export interface DesktopFileDeps {
  readonly store: EditorStore;
  /** Opens YAML text as the document, `path` as its file name (files/commands.ts `openText`). */
  readonly openText: (text: string, path: string) => Promise<unknown>;
  /** Imports QEMU command lines into the document (files/importText.ts). */
  readonly importText?: (text: string, source: string) => unknown;
}

/** AppCommands' file commands; each resolves once its dialog and request are done. */
export interface DesktopFileCommands extends Pick<AppCommands, 'openFilePicker' | 'importFile' | 'save' | 'saveAs'> {
  openFilePicker(): Promise<void>;
  importFile(): Promise<void>;
  save(): Promise<void>;
  saveAs(): Promise<void>;
}

/**
 * Open and save through the desktop window's native dialogs. The document's file name becomes the full path main
 * answers with, so the next Save writes back to the same file without asking.
 */
export function desktopFileCommands(
  api: QnetWindowApi,
  { store, openText, importText }: DesktopFileDeps,
): DesktopFileCommands {
  const write = async (request: Extract<DesktopRequest, { type: 'saveFile' | 'saveFileAs' }>, doc: Topology) => {
    const r = await api.desktop(request);
    const s = store.getState();
    if (!r.ok) return s.notify('error', r.error.message);
    if (r.path === null) return; // the dialog was cancelled: still unsaved
    s.markSaved(r.path, doc);
    s.notify('info', `Saved ${r.path}`);
  };
  return {
    async openFilePicker() {
      const r = await api.desktop({ type: 'openFile' });
      if (!r.ok) return store.getState().notify('error', r.error.message);
      if (r.file) await openText(r.file.text, r.file.path); // null: the dialog was cancelled
    },
    async importFile() {
      // main's dialog: a menu command carries no user activation, which a page's own file picker needs.
      const r = await api.desktop({ type: 'openFile', purpose: 'import' });
      if (!r.ok) return store.getState().notify('error', r.error.message);
      if (r.file) importText?.(r.file.text, r.file.path);
    },
    save() {
      const s = store.getState();
      const path = isFilePath(s.fileName) ? s.fileName : undefined;
      return write(
        { type: 'saveFile', text: saveTopology(s.doc), suggestedName: saveNameOf(s), ...(path ? { path } : {}) },
        s.doc,
      );
    },
    saveAs() {
      const s = store.getState();
      return write({ type: 'saveFileAs', text: saveTopology(s.doc), suggestedName: saveNameOf(s) }, s.doc);
    },
  };
}
