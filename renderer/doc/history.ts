import type { Topology } from '../../shared/model';

/**
 * Undo history as document snapshots (documents are immutable, so a snapshot shares everything that did not
 * change). Every action says how it is recorded:
 * - `record`: one undo step now;
 * - `coalesce`: one step for a run of edits with the same key (typing in one field), until `endRun`;
 * - `none`: not recorded (the in-between frames of a drag; the drag records once at its end, from its mark).
 */
export type Intent =
  { readonly kind: 'record' } | { readonly kind: 'coalesce'; readonly key: string } | { readonly kind: 'none' };

export interface History {
  readonly past: readonly Topology[];
  readonly future: readonly Topology[];
  /** Key of the open coalescing run, if any. */
  readonly run: string | null;
  /** The document when a long interaction (a drag) began. */
  readonly mark: Topology | null;
}

export const EMPTY_HISTORY: History = { past: [], future: [], run: null, mark: null };
const LIMIT = 500;

function push(h: History, before: Topology, run: string | null): History {
  const past = [...h.past, before];
  return { past: past.length > LIMIT ? past.slice(past.length - LIMIT) : past, future: [], run, mark: h.mark };
}

/** History after `before` became `after` with this intent. */
export function record(h: History, before: Topology, after: Topology, intent: Intent): History {
  if (before === after) return h;
  if (intent.kind === 'none') return h;
  if (intent.kind === 'coalesce') return h.run === intent.key ? { ...h, future: [] } : push(h, before, intent.key);
  return push(h, before, null);
}

/** Ends a coalescing run (a field lost focus): the next edit is a new step. */
export function endRun(h: History): History {
  return h.run === null ? h : { ...h, run: null };
}

/** Starts a long interaction: remembers the document it started from. */
export function beginMark(h: History, doc: Topology): History {
  return { ...h, mark: doc, run: null };
}

/** Ends a long interaction: one step from the mark to now, if anything changed. */
export function commitMark(h: History, doc: Topology): History {
  if (!h.mark) return h;
  const cleared = { ...h, mark: null };
  return h.mark === doc ? cleared : push(cleared, h.mark, null);
}

/** Undo: the document to show and the new history, or null when there is nothing to undo. */
export function undo(h: History, doc: Topology): { doc: Topology; history: History } | null {
  const prev = h.past[h.past.length - 1];
  if (!prev) return null;
  return { doc: prev, history: { past: h.past.slice(0, -1), future: [doc, ...h.future], run: null, mark: null } };
}

/** Redo: the inverse of undo. */
export function redo(h: History, doc: Topology): { doc: Topology; history: History } | null {
  const next = h.future[0];
  if (!next) return null;
  return { doc: next, history: { past: [...h.past, doc], future: h.future.slice(1), run: null, mark: null } };
}
