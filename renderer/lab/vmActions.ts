/**
 * One guest (or VDE switch) of a running lab started, stopped or restarted from the page. A guest's answer is not
 * applied here: the engine's `vmState` events reach every page following the lab (labStore.ts), this one included.
 * A switch has no events: its answer is kept in the lab's `switches` for its badge.
 */
import type { VmAction } from '../../shared/api';
import { isOffline, notConnectedReason } from '../api/connection';
import { getEngine } from '../api/engine';
import { editor } from '../store/editor';
import { useLab } from './labStore';

const DONE: Record<VmAction, string> = { start: 'started', stop: 'stopped', restart: 'restarted' };

/** Asks the engine to `action` guest (or switch node) `vm` of `lab`; the outcome is said in the page's notice. */
export async function controlVm(lab: string, vm: string, action: VmAction, isSwitch = false): Promise<void> {
  const s = editor.getState();
  if (isOffline()) return s.notify('error', notConnectedReason(`${action} ${vm}`));
  const r = await getEngine().request({ type: 'vmControl', lab, vm, action });
  const view = useLab.getState();
  if (r.ok && isSwitch && view.lab === lab) view.set({ switches: { ...view.switches, [r.vm]: r.state } });
  s.notify(r.ok ? 'info' : 'error', r.ok ? `${vm} ${DONE[action]}` : `${vm}: ${r.error.message}`);
}
