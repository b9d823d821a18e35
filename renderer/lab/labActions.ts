/**
 * What the Launch, Stop and Validate actions do, and how the page follows the engine: every event goes through
 * the lab store, and on each (re)connection `list` + `status` + `logs` restore the followed lab (a reload, or a
 * second tab, shows the same state). The launched document is kept in sessionStorage, so a reload during a run
 * shows the same canvas with its badges.
 */
import type { EngineApi, LabStatus, LaunchOptions } from '../../shared/api';
import type { Topology } from '../../shared/model';
import { isOffline, notConnectedReason } from '../api/connection';
import { getEngine, onEngineConnect } from '../api/engine';
import { targetFor } from '../plan/target';
import { useTargetOptions } from '../plan/targetOptions';
import { planOf } from '../plan/usePlan';
import { editor } from '../store/editor';
import { EMPTY_LAB, isActive, useLab, viewOfStatus } from './labStore';
import { trustPrompt } from './trustPrompt';

const DOC_KEY = 'qnet.lab.document';

interface StoredDoc {
  readonly lab: string;
  readonly doc: Topology;
  readonly fileName: string | null;
}

function storeDoc(value: StoredDoc): void {
  try {
    sessionStorage.setItem(DOC_KEY, JSON.stringify(value));
  } catch {
    /* storage full or off: a reload just shows the document it would anyway */
  }
}

function storedDoc(): StoredDoc | null {
  try {
    const raw = sessionStorage.getItem(DOC_KEY);
    return raw ? (JSON.parse(raw) as StoredDoc) : null;
  } catch {
    return null;
  }
}

/** The launch options of the page's compile target: the same isolation, privilege and state dir it compiled for. */
export function launchOptions(doc: Topology): LaunchOptions | null {
  const s = editor.getState();
  if (!s.probed) return null;
  const options = useTargetOptions.getState().options;
  const t = targetFor(doc, s.probed, options);
  return { isolation: t.isolation, privilege: t.privilege, stateDir: t.stateDir, ...options };
}

/**
 * The guests of a `status` merged into the known ones: a status that lists a guest wins unless `keepStates`
 * (events seen meanwhile are newer); guests it no longer lists keep their node and last state.
 */
function mergeVms(
  status: LabStatus,
  keepStates: boolean,
): Record<string, { node: string; state: LabStatus['vms'][number]['state'] }> {
  const known = useLab.getState().vms;
  const out = { ...known };
  for (const v of status.vms)
    out[v.vm] = { node: v.node, state: keepStates ? (known[v.vm]?.state ?? v.state) : v.state };
  return out;
}

/** Whether Launch can run now. */
export const canLaunch = (): boolean => !isActive(useLab.getState().state) && useLab.getState().busy === null;
/** Whether Stop can run now. */
export const canStop = (): boolean => {
  const l = useLab.getState();
  return l.lab !== null && (isActive(l.state) || l.state === 'failed') && l.busy !== 'stop';
};

/** Whether the page's document is untouched: nothing drawn, opened or changed since the page loaded. */
function pristine(): boolean {
  const s = editor.getState();
  return s.history.past.length === 0 && !s.dirty && s.fileName === null;
}

/**
 * A page with an untouched document that follows a running lab shows the lab's drawing (a second tab or window, or
 * a reload whose sessionStorage is gone), so the badges have nodes to sit on.
 */
function adoptDocument(status: LabStatus, topology: Topology | undefined): void {
  if (!topology || !isActive(status.state) || !pristine()) return;
  editor.getState().load(topology, null);
  editor.getState().notify('info', `Showing the running lab ${status.lab}`);
}

/** Follows a lab: its status and log from the engine; returns the document it was launched from, when known. */
async function follow(engine: EngineApi, status: LabStatus): Promise<Topology | undefined> {
  const logs = await engine.request({ type: 'logs', lab: status.lab });
  const fresh = await engine.request({ type: 'status', lab: status.lab });
  const view = viewOfStatus(fresh.ok ? fresh.status : status, logs.ok ? logs.lines : []);
  useLab.getState().set({ ...view, busy: useLab.getState().busy });
  return fresh.ok ? fresh.topology : undefined;
}

/** Launch: preflight and start the document's lab in the engine; problems come back to the Problems panel. */
export async function launch(): Promise<void> {
  const s = editor.getState();
  if (isOffline()) return s.notify('error', notConnectedReason('launch'));
  if (!s.probed || !canLaunch()) return;
  const result = planOf(s.doc, s.probed);
  if (!result.ok) return s.notify('error', `Cannot compile: ${result.error}`);
  const errors = result.plan.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) return s.notify('error', `Not launching: fix the ${errors.length} error(s) in Problems first`);
  const options = launchOptions(s.doc);
  if (!options) return;
  const { plan } = result;
  const lab = useLab.getState();
  lab.set({
    ...EMPTY_LAB,
    lab: plan.lab,
    state: 'preflight',
    busy: 'launch',
    vms: Object.fromEntries(plan.vms.map((v) => [v.name, { node: v.node, state: { state: 'stopped' as const } }])),
  });
  storeDoc({ lab: plan.lab, doc: s.doc, fileName: s.fileName });
  const engine = getEngine();
  const doc = s.doc;
  let r = await engine.request({ type: 'launch', source: { kind: 'document', topology: doc }, options });
  // What the document runs on the host needs the user's yes (the engine remembers it for this content).
  if (!r.ok && r.error.code === 'UNTRUSTED' && r.error.trust) {
    const { digest, items } = r.error.trust;
    if ((await trustPrompt.ask({ lab: plan.lab, items })) === 'cancel') {
      useLab.getState().set({ ...EMPTY_LAB });
      return s.notify('info', `Not launching ${plan.lab}`);
    }
    r = await engine.request({ type: 'launch', source: { kind: 'document', topology: doc }, options: { ...options, trust: digest } });
  }
  const now = useLab.getState();
  if (r.ok) {
    useLab.getState().set({ busy: null, state: r.status.state, vms: mergeVms(r.status, true) });
    editor.getState().notify('info', `Lab ${r.lab} is ${r.status.state}`);
    return;
  }
  const { error } = r;
  if (error.code === 'DISCONNECTED') {
    // What the server did with the launch is read again once it is back (restore).
    useLab.getState().set({ busy: null, state: null });
    editor.getState().notify('error', `Launch of ${plan.lab} interrupted: ${error.message}`);
    return;
  }
  if (error.code === 'LAB_EXISTS') {
    // Already running (another tab launched it): follow it.
    useLab.getState().set({ busy: null });
    const st = await engine.request({ type: 'status', lab: plan.lab });
    if (st.ok) await follow(engine, st.status);
    editor.getState().notify('info', error.message);
    return;
  }
  useLab.getState().set({
    busy: null,
    state: 'failed',
    error,
    problems: error.diagnostics ? error.diagnostics.filter((d) => d.severity === 'error') : now.problems,
  });
  editor
    .getState()
    .notify(
      'error',
      error.code === 'PREFLIGHT_FAILED'
        ? 'Launch stopped by preflight: see Problems'
        : `Launch failed: ${error.message}`,
    );
}

/** Stop: the followed lab's guests power down, its host steps are undone. */
export async function stop(): Promise<void> {
  const l = useLab.getState();
  if (isOffline()) return editor.getState().notify('error', notConnectedReason('stop the lab'));
  if (!l.lab || !canStop()) return;
  const lab = l.lab;
  l.set({ busy: 'stop' });
  const engine = getEngine();
  const r = await engine.request({ type: 'stop', lab });
  useLab.getState().set({ busy: null });
  const st = await engine.request({ type: 'status', lab });
  if (st.ok && useLab.getState().lab === lab) {
    const vms = mergeVms(st.status, false);
    // A stopped lab has no guest left running, whatever events were missed.
    if (st.status.state === 'stopped' || st.status.state === 'failed')
      for (const [name, v] of Object.entries(vms))
        if (v.state.state !== 'crashed') vms[name] = { node: v.node, state: { state: 'stopped' } };
    useLab.getState().set({ state: st.status.state, vms });
  }
  editor.getState().notify(r.ok ? 'info' : 'error', r.ok ? `Lab ${lab} stopped` : `Stop failed: ${r.error.message}`);
}

/** Validate: the engine's preflight of the document (the compiler's problems are already live in Problems). */
export async function validate(): Promise<void> {
  const s = editor.getState();
  if (isOffline()) return s.notify('error', notConnectedReason('validate on the server'));
  const options = launchOptions(s.doc);
  if (!options) return;
  const l = useLab.getState();
  if (l.busy) return;
  l.set({ busy: 'validate' });
  const r = await getEngine().request({ type: 'preflight', source: { kind: 'document', topology: s.doc }, options });
  useLab.getState().set({ busy: null });
  if (!r.ok) return s.notify('error', `Validation failed: ${r.error.message}`);
  const errors = r.problems.filter((d) => d.severity === 'error');
  useLab.getState().set({ problems: errors });
  s.notify(
    errors.length ? 'error' : 'info',
    errors.length ? `Preflight found ${errors.length} problem(s): see Problems` : 'Preflight: ready to launch',
  );
}

/**
 * The followed lab is not on the server any more (it was restarted, or the lab was stopped and dropped while the
 * page was away): its guests are shown stopped, and the page says so when it had it running.
 */
function forget(lab: string): void {
  const view = useLab.getState();
  const vms = Object.fromEntries(
    Object.entries(view.vms).map(([vm, v]) => [vm, v.state.state === 'crashed' ? v : { node: v.node, state: { state: 'stopped' as const } }]),
  );
  useLab.getState().set({ state: 'stopped', vms, busy: null });
  if (isActive(view.state) || view.state === null) editor.getState().notify('info', `Lab ${lab} is no longer running on the server`);
}

/** Reads the engine's labs and follows the one this page launched (or any active one); restores its document. */
export async function restore(): Promise<void> {
  const engine = getEngine();
  const r = await engine.request({ type: 'list' });
  if (!r.ok) return;
  const current = useLab.getState().lab;
  if (current !== null && !r.labs.some((l) => l.lab === current)) forget(current);
  const stored = storedDoc();
  const pick =
    r.labs.find((l) => l.lab === current) ??
    r.labs.find((l) => isActive(l.state) && l.lab === stored?.lab) ??
    r.labs.find((l) => isActive(l.state));
  if (!pick) return;
  const topology = await follow(engine, pick);
  if (current !== null) return;
  if (stored && stored.lab === pick.lab && pristine() && isActive(pick.state))
    editor.getState().load(stored.doc, stored.fileName);
  else adoptDocument(pick, topology);
}

let started = false;

/** Starts following the engine (once per page): events into the lab store, state restored on each connection. */
export function startLabSync(): () => void {
  if (started) return () => {};
  started = true;
  const engine = getEngine();
  const off = engine.subscribe((event) => {
    const before = useLab.getState().lab;
    useLab.getState().apply(event);
    const after = useLab.getState().lab;
    // A lab another tab started: learn which node each guest realizes.
    if (after !== null && after !== before) {
      void engine.request({ type: 'status', lab: after }).then((st) => {
        if (st.ok && useLab.getState().lab === after) {
          useLab.getState().set({ vms: mergeVms(st.status, true) });
          adoptDocument(st.status, st.topology);
        }
      });
    }
  });
  const offConnect = onEngineConnect(() => void restore());
  return () => {
    started = false;
    off();
    offConnect();
  };
}
