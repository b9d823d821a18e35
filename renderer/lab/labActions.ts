/**
 * What the Launch, Stop and Validate actions do. Launch follows the lab it starts and remembers the document it was
 * launched from (launchedDocs.ts); Stop stops the followed lab, which is always the drawn document's (labSync.ts).
 */
import type { LabStatus, LaunchOptions } from '../../shared/api';
import { isOffline, notConnectedReason } from '../api/connection';
import { getEngine } from '../api/engine';
import { pageTarget } from '../plan/target';
import { useTargetOptions } from '../plan/targetOptions';
import { planOf } from '../plan/usePlan';
import { editor } from '../store/editor';
import { usePanels } from '../store/panels';
import { EMPTY_LAB, isActive, capturesOf, linksOf, useLab, type LabView } from './labStore';
import { follow } from './labSync';
import { rememberCurrent, rememberLaunch } from './launchedDocs';
import { trustPrompt } from './trustPrompt';

/** The launch options of the page's compile target: the same isolation, privilege and state dir it compiled for. */
export function launchOptions(): LaunchOptions | null {
  const s = editor.getState();
  if (!s.probed) return null;
  const options = useTargetOptions.getState().options;
  const t = pageTarget(s.probed, options, s.doc);
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

/** Whether Launch can run now for this lab view. */
export const canLaunch = (l: Pick<LabView, 'state' | 'busy'>): boolean => !isActive(l.state) && l.busy === null;
/** Whether Stop can run now for this lab view. */
export const canStop = (l: Pick<LabView, 'lab' | 'state' | 'busy'>): boolean =>
  l.lab !== null && (isActive(l.state) || l.state === 'failed') && l.busy !== 'stop';

/** The Problems tab, where preflight's findings are listed (the canvas marks their nodes). */
function showProblems(): void {
  usePanels.getState().showTab('problems');
}

/** Launch: preflight and start the document's lab in the engine; problems come back to the Problems panel. */
export async function launch(): Promise<void> {
  const s = editor.getState();
  if (isOffline()) return s.notify('error', notConnectedReason('launch'));
  if (!s.probed || !canLaunch(useLab.getState())) return;
  const result = planOf(s.doc, s.probed);
  if (!result.ok) return s.notify('error', `Cannot compile: ${result.error}`);
  const errors = result.plan.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) return s.notify('error', `Not launching: fix the ${errors.length} error(s) in Problems first`);
  const options = launchOptions();
  if (!options) return;
  const { plan } = result;
  const lab = useLab.getState();
  lab.set({
    ...EMPTY_LAB,
    lab: plan.lab,
    state: 'preflight',
    busy: 'launch',
    vms: Object.fromEntries(plan.vms.map((v) => [v.name, { node: v.node, state: { state: 'stopped' as const } }])),
    launched: s.doc,
  });
  rememberLaunch({ lab: plan.lab, doc: s.doc, fileName: s.fileName });
  rememberCurrent(plan.lab);
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
    r = await engine.request({
      type: 'launch',
      source: { kind: 'document', topology: doc },
      options: { ...options, trust: digest },
    });
  }
  const now = useLab.getState();
  if (now.lab !== plan.lab) {
    // The page moved on to another document meanwhile: the lab list still has this one.
    useLab.getState().set({ busy: null });
    editor
      .getState()
      .notify(
        r.ok ? 'info' : 'error',
        r.ok ? `Lab ${plan.lab} is ${r.status.state}` : `Launch of ${plan.lab} failed: ${r.error.message}`,
      );
    return;
  }
  if (r.ok) {
    // A link event seen meanwhile is newer than the launch's answer.
    const links = { ...linksOf(r.status), ...useLab.getState().links };
    const captures = { ...capturesOf(r.status), ...useLab.getState().captures };
    useLab.getState().set({ busy: null, state: r.status.state, vms: mergeVms(r.status, true), links, captures });
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
    await follow(plan.lab);
    editor.getState().notify('info', error.message);
    return;
  }
  useLab.getState().set({
    busy: null,
    state: 'failed',
    error,
    problems: error.diagnostics ? error.diagnostics.filter((d) => d.severity === 'error') : now.problems,
  });
  if (error.code === 'PREFLIGHT_FAILED') showProblems();
  editor
    .getState()
    .notify(
      'error',
      error.code === 'PREFLIGHT_FAILED'
        ? 'Launch stopped by preflight: see Problems (the nodes concerned are marked)'
        : `Launch failed: ${error.message}`,
    );
}

/** Stop: the followed lab's guests power down, its host steps are undone. */
export async function stop(): Promise<void> {
  const l = useLab.getState();
  if (isOffline()) return editor.getState().notify('error', notConnectedReason('stop the lab'));
  if (!l.lab || !canStop(l)) return;
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
    useLab.getState().set({ state: st.status.state, vms, links: linksOf(st.status), captures: capturesOf(st.status) });
  }
  editor.getState().notify(r.ok ? 'info' : 'error', r.ok ? `Lab ${lab} stopped` : `Stop failed: ${r.error.message}`);
}

/** Validate: the engine's preflight of the document (the compiler's problems are already live in Problems). */
export async function validate(): Promise<void> {
  const s = editor.getState();
  if (isOffline()) return s.notify('error', notConnectedReason('validate on the server'));
  const options = launchOptions();
  if (!options) return;
  const l = useLab.getState();
  if (l.busy) return;
  l.set({ busy: 'validate' });
  const r = await getEngine().request({ type: 'preflight', source: { kind: 'document', topology: s.doc }, options });
  useLab.getState().set({ busy: null });
  if (!r.ok) return s.notify('error', `Validation failed: ${r.error.message}`);
  const errors = r.problems.filter((d) => d.severity === 'error');
  useLab.getState().set({ problems: errors });
  if (errors.length) showProblems();
  s.notify(
    errors.length ? 'error' : 'info',
    errors.length ? `Preflight found ${errors.length} problem(s): see Problems` : 'Preflight: ready to launch',
  );
}
