/**
 * Which lab the page follows, and keeping it current. The followed lab is the drawn document's: the one launched
 * from it, or running under its name. Replacing the document (New, Open, an example) follows the new document's lab
 * or none, and says so when a lab is left running; the lab list keeps it, and picking it there shows its drawing
 * again. A page with an untouched document shows a running lab (a second tab, a reload). On each (re)connection
 * `list` + `status` + `logs` restore the view, and a followed lab the server no longer has is shown stopped.
 */
import type { LabStatus } from '../../shared/api';
import { labSlug } from '../../shared/compiler';
import type { Topology } from '../../shared/model';
import { getEngine, onEngineConnect } from '../api/engine';
import { isLive } from '../consoles/labs';
import { confirmReplace } from '../files/commands';
import { editor } from '../store/editor';
import { useLabList } from './labList';
import { EMPTY_LAB, isActive, useLab, viewOfStatus } from './labStore';
import { currentLab, launchedDoc, rememberCurrent } from './launchedDocs';

/** The lab the drawn document launches as. */
export const documentLab = (doc: Topology = editor.getState().doc): string => labSlug(doc.name);

/** Whether the page's document is untouched: nothing drawn, opened or changed since the page loaded. */
function pristine(): boolean {
  const s = editor.getState();
  return s.history.past.length === 0 && !s.dirty && s.fileName === null;
}

/** Set while the page itself replaces the document to show a lab (that load is not the user leaving the lab). */
let switching = false;

function loadQuietly(doc: Topology, fileName: string | null): void {
  switching = true;
  try {
    editor.getState().load(doc, fileName);
  } finally {
    switching = false;
  }
}

/**
 * Follows a lab: at once by name (so its events apply), then its status and log from the engine. Resolves with
 * its status and the document it was launched from (null when it is gone or the page moved on meanwhile).
 */
export async function follow(
  lab: string,
  state: LabStatus['state'] | null = null,
): Promise<{ status: LabStatus; topology?: Topology } | null> {
  if (useLab.getState().lab !== lab) useLab.getState().set({ ...EMPTY_LAB, lab, state, busy: useLab.getState().busy });
  rememberCurrent(lab);
  const engine = getEngine();
  const [logs, st] = await Promise.all([
    engine.request({ type: 'logs', lab }),
    engine.request({ type: 'status', lab }),
  ]);
  if (!st.ok || useLab.getState().lab !== lab) return null;
  useLabList.getState().setStatus(st.status);
  const view = viewOfStatus(st.status, logs.ok ? logs.lines : []);
  useLab.getState().set({ ...view, launched: st.topology ?? useLab.getState().launched, busy: useLab.getState().busy });
  return st.topology ? { status: st.status, topology: st.topology } : { status: st.status };
}

/** Follows no lab: no pill, no badges, no Log, no preflight problems. */
function unfollow(): void {
  useLab.getState().set({ ...EMPTY_LAB, busy: null });
  rememberCurrent(null);
}

/** The document was replaced by the user (New, Open, an example): follow its own lab, or none. */
function onDocumentReplaced(): void {
  if (switching) return;
  const before = useLab.getState();
  const lab = documentLab();
  if (before.lab === lab) return;
  const known = useLabList.getState().labs[lab];
  if (known && isLive(known.state)) void follow(lab, known.state);
  else unfollow();
  if (before.lab && isActive(before.state)) {
    noticeAfter(`Lab ${before.lab} keeps running: pick it in the lab list (toolbar) to show it again`);
  }
}

/** A notice after the one the replacing command shows ("Opened x"), joined to it rather than replacing it. */
function noticeAfter(text: string): void {
  const seq = editor.getState().notice?.seq ?? 0;
  queueMicrotask(() => {
    const n = editor.getState().notice;
    editor.getState().notify('info', n && n.seq !== seq ? `${n.text}. ${text}` : text);
  });
}

/**
 * Shows a lab picked in the lab list: its drawing (the document this tab launched it from, else the engine's copy)
 * replaces the document, unsaved changes asked about first, and the page follows it.
 */
export async function showLab(lab: string): Promise<void> {
  if (useLab.getState().lab === lab) return;
  const st = await getEngine().request({ type: 'status', lab });
  if (!st.ok) return editor.getState().notify('error', `Cannot show lab ${lab}: ${st.error.message}`);
  const stored = launchedDoc(lab);
  const doc = stored?.doc ?? st.topology;
  if (!doc) return editor.getState().notify('error', `Cannot show lab ${lab}: the engine kept no drawing of it`);
  if (!(await confirmReplace(`showing lab ${lab}`))) return;
  const before = useLab.getState();
  loadQuietly(doc, stored?.fileName ?? null);
  await follow(lab, st.status.state);
  const left = before.lab && before.lab !== lab && isActive(before.state) ? ` (${before.lab} keeps running)` : '';
  editor.getState().notify('info', `Showing lab ${lab}${left}`);
}

/**
 * The followed lab is not on the server any more (it was restarted, or the lab was dropped while the page was
 * away): its guests are shown stopped, and the page says so when it had it running.
 */
function forget(lab: string): void {
  const view = useLab.getState();
  const vms = Object.fromEntries(
    Object.entries(view.vms).map(([vm, v]) => [
      vm,
      v.state.state === 'crashed' ? v : { node: v.node, state: { state: 'stopped' as const } },
    ]),
  );
  useLab.getState().set({ state: 'stopped', vms, busy: null });
  if (isActive(view.state) || view.state === null) {
    editor.getState().notify('info', `Lab ${lab} is no longer running on the server`);
  }
}

/** A page with an untouched document shows a running lab's drawing, so the badges have nodes to sit on. */
async function adopt(lab: string): Promise<void> {
  const st = await follow(lab);
  if (!st || !isActive(st.status.state) || !pristine()) return;
  const stored = launchedDoc(lab);
  const doc = stored?.doc ?? st.topology;
  if (!doc) return;
  loadQuietly(doc, stored?.fileName ?? null);
  if (!stored) editor.getState().notify('info', `Showing the running lab ${lab}`);
}

/**
 * Reads the engine's labs: the followed lab (or the document's own) is followed again; an untouched page follows
 * the lab this tab followed before a reload, else any running one.
 */
export async function restore(): Promise<void> {
  const r = await getEngine().request({ type: 'list' });
  if (!r.ok) return;
  useLabList.getState().setList(r.labs);
  const followed = useLab.getState().lab;
  const has = (lab: string | null) => (lab ? r.labs.find((l) => l.lab === lab) : undefined);
  const live = (lab: string | null) => (has(lab) && isActive(has(lab)!.state) ? lab : null);
  if (followed !== null && !has(followed)) forget(followed);
  const pick = (has(followed) ? followed : null) ?? live(documentLab());
  if (pick) {
    await follow(pick);
    return;
  }
  if (!pristine()) return;
  const other = live(currentLab()) ?? r.labs.find((l) => isActive(l.state))?.lab ?? null;
  if (other) await adopt(other);
}

let started = false;

/** Starts following the engine (once per page): events into the stores, state restored on each connection. */
export function startLabSync(): () => void {
  if (started) return () => {};
  started = true;
  const engine = getEngine();
  const off = engine.subscribe((event) => {
    if (event.type === 'console') return;
    useLabList.getState().apply(event);
    if (event.type === 'labState' && (event.state === 'starting' || event.state === 'running')) {
      void engine.request({ type: 'status', lab: event.lab }).then((st) => {
        if (!st.ok) return;
        useLabList.getState().setStatus(st.status);
        // Which node each guest realizes, for a lab followed by its events (launched in another tab).
        if (useLab.getState().lab === event.lab) {
          const known = useLab.getState().vms;
          const vms = { ...known };
          for (const v of st.status.vms) vms[v.vm] = { node: v.node, state: known[v.vm]?.state ?? v.state };
          useLab.getState().set({ vms, launched: useLab.getState().launched ?? st.topology ?? null });
        }
      });
    }
    const view = useLab.getState();
    const starts = event.type === 'labState' && (event.state === 'preflight' || event.state === 'starting');
    if (starts && event.lab !== view.lab && !isActive(view.state) && view.busy === null) {
      // A lab launched elsewhere: followed when it is this document's, shown when this page has nothing drawn.
      if (event.lab === documentLab()) useLab.getState().set({ ...EMPTY_LAB, lab: event.lab, state: event.state });
      else if (pristine()) void adopt(event.lab);
    }
    useLab.getState().apply(event);
  });
  const offLoads = editor.subscribe((s, prev) => {
    if (s.loads !== prev.loads) onDocumentReplaced();
  });
  const offConnect = onEngineConnect(() => void restore());
  return () => {
    started = false;
    off();
    offLoads();
    offConnect();
  };
}
