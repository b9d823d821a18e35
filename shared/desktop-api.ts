/**
 * The contract between the desktop window's page and the Electron main process, on top of shared/api.ts: the
 * IPC channel names, the menu actions main sends to the page, and the few file requests only main can serve
 * (native dialogs, recent files, the unsaved-changes state). Plain JSON data, discriminated by `type`; every
 * request resolves with a Result and never rejects. The preload exposes exactly `QnetWindowApi` as `window.qnet`.
 */
import type { EngineApi, Result } from './api';

/** IPC channels (main ⇄ preload). */
export const IPC = {
  /** invoke: an EngineRequest → its Result, unchanged. */
  request: 'qnet:request',
  /** main → page: one EngineEvent. */
  event: 'qnet:event',
  /** main → page: a MenuAction chosen in the native menu (or a file the OS asked us to open). */
  action: 'qnet:action',
  /** invoke: a DesktopRequest → its Result. */
  desktop: 'qnet:desktop',
} as const;

/**
 * What the native menu asks the page to run: an action of the renderer's registry by name. `path` is set for
 * `openRecent` and `openPath` (a file chosen from the recent list, or given to the app by the OS / command line);
 * the page reads it with a `readFile` request.
 */
export interface MenuAction {
  readonly name: string;
  readonly path?: string;
}

/** A `*.qnet.yaml` file read by main. */
export interface DesktopFile {
  readonly path: string;
  readonly text: string;
}

/** Requests only the main process can serve. */
export type DesktopRequest =
  /** The page listens for actions now: actions sent before (a file given at launch) come back in the answer. */
  | { readonly type: 'ready' }
  /**
   * Native open dialog for *.qnet.yaml, or (purpose `import`) for a shell script or QEMU command lines to import,
   * which does not join the recent files; `file` is null when the user cancelled.
   */
  | { readonly type: 'openFile'; readonly purpose?: 'topology' | 'import' }
  /** Reads a file main handed to the page (recent list, dialog, command line); other paths are refused. */
  | { readonly type: 'readFile'; readonly path: string }
  /** Writes `text` to `path` when main handed that path out, else asks where with a native save dialog. */
  | { readonly type: 'saveFile'; readonly text: string; readonly path?: string; readonly suggestedName?: string }
  /** Always asks where (Save As…). */
  | { readonly type: 'saveFileAs'; readonly text: string; readonly suggestedName?: string }
  | { readonly type: 'recentFiles' }
  /** The page's document: whether it has unsaved changes (the close prompt) and its file (the title). */
  | { readonly type: 'documentState'; readonly dirty: boolean; readonly path: string | null }
  /** An Edit menu command for the focused text field (not the drawing): main runs it on the page natively. */
  | { readonly type: 'editText'; readonly op: TextEditOp }
  /** Which of the page's actions can run now (Undo with nothing to undo, Stop with no lab…): the menu greys the rest. */
  | { readonly type: 'menuState'; readonly enabled: Readonly<Record<string, boolean>> };

/** Edit menu commands a text field takes (WebContents' own undo, redo, cut, copy, paste, delete, selectAll). */
export const TEXT_EDIT_OPS = ['undo', 'redo', 'cut', 'copy', 'paste', 'delete', 'selectAll'] as const;
export type TextEditOp = (typeof TEXT_EDIT_OPS)[number];

/** The success payload of each desktop request. */
export interface DesktopResponses {
  readonly ready: { readonly actions: readonly MenuAction[] };
  readonly openFile: { readonly file: DesktopFile | null };
  readonly readFile: { readonly file: DesktopFile };
  /** `path` is null when the user cancelled the dialog. */
  readonly saveFile: { readonly path: string | null };
  readonly saveFileAs: { readonly path: string | null };
  readonly recentFiles: { readonly paths: readonly string[] };
  readonly documentState: object;
  readonly editText: object;
  readonly menuState: object;
}

/** The result type of one desktop request. */
export type DesktopResponseOf<R extends DesktopRequest> = Result<DesktopResponses[R['type']]>;

/** `window.qnet` in the desktop window: the engine contract, menu actions, and main's file requests. */
export interface QnetWindowApi extends EngineApi {
  /** Receives every menu action until the returned function is called. */
  onAction(listener: (action: MenuAction) => void): () => void;
  /** Sends one desktop request; resolves with its result, never rejects. */
  desktop<R extends DesktopRequest>(request: R): Promise<DesktopResponseOf<R>>;
}
