import type { EditorState } from '../store/store';

/** The file name a document is saved as: the name it was opened or saved under, else `<topology name>.qnet.yaml`. */
export function saveNameOf(s: Pick<EditorState, 'fileName' | 'doc'>): string {
  return s.fileName && s.fileName.endsWith('.qnet.yaml') ? s.fileName : `${s.doc.name}.qnet.yaml`;
}

/**
 * Whether a document's file name is a full path, i.e. one the desktop window's main process handed out (a dialog,
 * the recent list, the command line). Web mode and the gallery only ever give bare names.
 */
export function isFilePath(fileName: string | null): fileName is string {
  return fileName !== null && (fileName.startsWith('/') || /^[A-Za-z]:[\\/]/.test(fileName));
}
