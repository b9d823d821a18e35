/**
 * One guest (or VDE switch) of a running lab started, stopped or restarted from the page. The answer is not applied
 * here: the engine's `vmState` and `switchState` events reach every page following the lab (labStore.ts), this one
 * included.
 */
import type { VmAction } from '../../shared/api';
import { isOffline, notConnectedReason } from '../api/connection';
import { getEngine } from '../api/engine';
import { editor } from '../store/editor';

const DONE: Record<VmAction, string> = { start: 'started', stop: 'stopped', restart: 'restarted' };

/** Asks the engine to `action` guest (or switch node) `vm` of `lab`; the outcome is said in the page's notice. */
export async function controlVm(lab: string, vm: string, action: VmAction): Promise<void> {
  const s = editor.getState();
  if (isOffline()) return s.notify('error', notConnectedReason(`${action} ${vm}`));
  const r = await getEngine().request({ type: 'vmControl', lab, vm, action });
  s.notify(r.ok ? 'info' : 'error', r.ok ? `${vm} ${DONE[action]}` : `${vm}: ${r.error.message}`);
}
