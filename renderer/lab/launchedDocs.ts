/**
 * The documents this tab launched, by lab, kept in sessionStorage: a reload, or picking the lab again from the lab
 * list, shows the very document (file name, layout) it was launched from. `current` is the lab the tab followed last.
 */
import type { Topology } from '../../shared/model';

const DOCS_KEY = 'qnet.lab.documents';
const CURRENT_KEY = 'qnet.lab.current';
/** The most documents kept (the oldest go first). */
const MAX_DOCS = 16;

export interface LaunchedDoc {
  readonly lab: string;
  readonly doc: Topology;
  readonly fileName: string | null;
}

function readAll(): LaunchedDoc[] {
  try {
    const raw = sessionStorage.getItem(DOCS_KEY);
    const list = raw ? (JSON.parse(raw) as unknown) : [];
    return Array.isArray(list) ? (list as LaunchedDoc[]) : [];
  } catch {
    return [];
  }
}

/** Remembers the document a lab was launched from (replacing an older one of that lab). */
export function rememberLaunch(value: LaunchedDoc): void {
  const list = [...readAll().filter((d) => d.lab !== value.lab), value].slice(-MAX_DOCS);
  try {
    sessionStorage.setItem(DOCS_KEY, JSON.stringify(list));
  } catch {
    /* storage full or off: the engine's copy of the document is shown instead */
  }
}

/** The document this tab launched a lab from, if it remembers one. */
export function launchedDoc(lab: string): LaunchedDoc | null {
  return readAll().find((d) => d.lab === lab) ?? null;
}

/** Remembers which lab the tab follows (null: none). */
export function rememberCurrent(lab: string | null): void {
  try {
    if (lab) sessionStorage.setItem(CURRENT_KEY, lab);
    else sessionStorage.removeItem(CURRENT_KEY);
  } catch {
    /* a reload then follows the document's own lab only */
  }
}

/** The lab the tab followed before a reload. */
export function currentLab(): string | null {
  try {
    return sessionStorage.getItem(CURRENT_KEY);
  } catch {
    return null;
  }
}
