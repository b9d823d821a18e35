import { create } from 'zustand';
import type { Topology } from '../../shared/model';
import { applyChanges, type Change } from '../doc/changes';
import { copyNodes, pasteChanges, type Clip } from '../doc/clipboard';
import { sameData } from '../doc/equal';
import { emptyDocument } from '../doc/factory';
import {
  beginMark,
  commitMark,
  EMPTY_HISTORY,
  endRun,
  record,
  redo,
  undo,
  type History,
  type Intent,
} from '../doc/history';
import type { ProbedTarget } from '../plan/target';

/** What is selected on the canvas (node ids, link ids, annotation ids; no annotations when absent). */
export interface Selection {
  readonly nodes: readonly string[];
  readonly links: readonly string[];
  readonly annotations?: readonly string[];
}

/** A short message at the bottom of the canvas (a refused link, a saved file). */
export interface Notice {
  readonly kind: 'info' | 'error';
  readonly text: string;
  readonly seq: number;
}

/** Errors of a file that could not be opened; the document that was open stays. */
export interface OpenErrors {
  readonly file: string;
  readonly lines: readonly string[];
}

/** The colour theme the user chose; `system` follows the OS. */
export type ThemePref = 'system' | 'light' | 'dark';

/** How far each paste lands from the copied nodes (and from the previous paste). */
const PASTE_STEP = 40;

export interface EditorState {
  readonly doc: Topology;
  readonly history: History;
  readonly selection: Selection;
  /** The file name the document was opened from or saved as. */
  readonly fileName: string | null;
  /** The document as it was last opened or saved; the document is dirty while it holds other data. */
  readonly savedDoc: Topology;
  readonly dirty: boolean;
  readonly probed: ProbedTarget | null;
  readonly notice: Notice | null;
  readonly openErrors: OpenErrors | null;
  readonly galleryOpen: boolean;
  /** Bumped when the view should fit what is selected (a clicked problem) or everything (an opened file). */
  readonly reveal: { readonly seq: number; readonly nodes: readonly string[] };
  /** What Copy took, and how many times it was pasted since (each paste lands a step further). */
  readonly clipboard: { readonly clip: Clip; readonly pastes: number } | null;
  readonly theme: ThemePref;
  /** Bumped by each `load`: the document was replaced (the lab view follows the new document's lab). */
  readonly loads: number;

  /** Applies changes as one action with the given undo intent. */
  dispatch(changes: readonly Change[], intent?: Intent): void;
  beginInteraction(): void;
  endInteraction(): void;
  endTyping(): void;
  undo(): void;
  redo(): void;
  select(selection: Selection): void;
  /** Replaces the document (new, open, example): one undo step, the selection cleared. */
  load(doc: Topology, fileName: string | null): void;
  setProbed(probed: ProbedTarget): void;
  notify(kind: Notice['kind'], text: string): void;
  setOpenErrors(errors: OpenErrors | null): void;
  setGalleryOpen(open: boolean): void;
  /**
   * `saved` (the document now when not given) was written to `fileName`: it is the clean state. An asynchronous save
   * passes the document it wrote, so edits made while it was writing keep the document dirty.
   */
  markSaved(fileName: string, saved?: Topology): void;
  revealNodes(nodes: readonly string[]): void;
  /** Copies the selected nodes (and the links between them); false when nothing is selected. */
  copy(): boolean;
  /** Pastes the clipboard as one undo step and selects what was pasted. */
  paste(): void;
  setTheme(theme: ThemePref): void;
}

const NONE: Selection = { nodes: [], links: [] };
const RECORD: Intent = { kind: 'record' };

/** Whether a document differs from the saved one: undoing back to what was saved makes it clean again. */
function dirtyOf(doc: Topology, saved: Topology): boolean {
  return !sameData(doc, saved);
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Drops selected ids that no longer exist. */
function pruneSelection(doc: Topology, sel: Selection, linkIds: (d: Topology) => Set<string>): Selection {
  const nodes = sel.nodes.filter((id) => doc.nodes.some((n) => n.id === id));
  const ids = sel.links.length ? linkIds(doc) : new Set<string>();
  const links = sel.links.filter((id) => ids.has(id));
  const notes = sel.annotations ?? [];
  const annotations = notes.length ? notes.filter((id) => doc.layout.annotations.some((a) => a.id === id)) : notes;
  return sameIds(nodes, sel.nodes) && sameIds(links, sel.links) && sameIds(annotations, notes)
    ? sel
    : { nodes, links, ...(annotations.length ? { annotations } : {}) };
}

/** Creates an editor store (one per window; tests make their own). */
export function createEditorStore(linkIds: (d: Topology) => Set<string>) {
  const empty = emptyDocument();
  return create<EditorState>()((set, get) => ({
    doc: empty,
    history: EMPTY_HISTORY,
    selection: NONE,
    fileName: null,
    savedDoc: empty,
    dirty: false,
    probed: null,
    notice: null,
    openErrors: null,
    galleryOpen: false,
    reveal: { seq: 0, nodes: [] },
    clipboard: null,
    theme: 'system',
    loads: 0,

    dispatch(changes, intent = RECORD) {
      const { doc, history, selection } = get();
      const next = applyChanges(doc, changes);
      if (next === doc) return;
      set({
        doc: next,
        history: record(history, doc, next, intent),
        selection: pruneSelection(next, selection, linkIds),
        dirty: dirtyOf(next, get().savedDoc),
      });
    },
    beginInteraction() {
      set({ history: beginMark(get().history, get().doc) });
    },
    endInteraction() {
      set({ history: commitMark(get().history, get().doc) });
    },
    endTyping() {
      const h = get().history;
      const next = endRun(h);
      if (next !== h) set({ history: next });
    },
    undo() {
      const r = undo(get().history, get().doc);
      if (r)
        set({
          doc: r.doc,
          history: r.history,
          selection: pruneSelection(r.doc, get().selection, linkIds),
          dirty: dirtyOf(r.doc, get().savedDoc),
        });
    },
    redo() {
      const r = redo(get().history, get().doc);
      if (r)
        set({
          doc: r.doc,
          history: r.history,
          selection: pruneSelection(r.doc, get().selection, linkIds),
          dirty: dirtyOf(r.doc, get().savedDoc),
        });
    },
    select(selection) {
      const cur = get().selection;
      if (
        sameIds(cur.nodes, selection.nodes) &&
        sameIds(cur.links, selection.links) &&
        sameIds(cur.annotations ?? [], selection.annotations ?? [])
      )
        return;
      set({ selection });
    },
    load(doc, fileName) {
      const { doc: before, history } = get();
      set({
        doc,
        history: record(endRun(history), before, doc, RECORD),
        selection: NONE,
        fileName,
        savedDoc: doc,
        dirty: false,
        openErrors: null,
        reveal: { seq: get().reveal.seq + 1, nodes: [] },
        loads: get().loads + 1,
      });
    },
    setProbed(probed) {
      set({ probed });
    },
    notify(kind, text) {
      set({ notice: { kind, text, seq: (get().notice?.seq ?? 0) + 1 } });
    },
    setOpenErrors(openErrors) {
      set({ openErrors });
    },
    setGalleryOpen(galleryOpen) {
      set({ galleryOpen });
    },
    markSaved(fileName, saved = get().doc) {
      set({ fileName, savedDoc: saved, dirty: dirtyOf(get().doc, saved) });
    },
    revealNodes(nodes) {
      set({ reveal: { seq: get().reveal.seq + 1, nodes } });
    },
    copy() {
      const { doc, selection } = get();
      const clip = copyNodes(doc, selection.nodes);
      if (clip) set({ clipboard: { clip, pastes: 0 } });
      return clip !== null;
    },
    paste() {
      const { clipboard, doc } = get();
      if (!clipboard) return;
      const step = PASTE_STEP * (clipboard.pastes + 1);
      const { changes, ids } = pasteChanges(doc, clipboard.clip, { x: step, y: step });
      get().dispatch(changes);
      set({ clipboard: { ...clipboard, pastes: clipboard.pastes + 1 }, selection: { nodes: ids, links: [] } });
    },
    setTheme(theme) {
      set({ theme });
    },
  }));
}

export type EditorStore = ReturnType<typeof createEditorStore>;
