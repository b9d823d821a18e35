/**
 * Lab snapshots from the page: the dialog's state (which lab, its snapshots, what is under way) and the requests
 * behind its buttons. Every guest's state is saved or loaded by the engine (`labSnapshot`); the outcome is said in
 * the dialog and in the page's notice.
 */
import { create } from 'zustand';
import type { LabSnapshot, SnapshotAction } from '../../shared/api';
import { isOffline, notConnectedReason } from '../api/connection';
import { getEngine } from '../api/engine';
import { editor } from '../store/editor';

interface SnapshotView {
  /** The lab the dialog is open on, or null when it is closed. */
  readonly lab: string | null;
  readonly snapshots: readonly LabSnapshot[];
  readonly busy: SnapshotAction | null;
  /** Why the last request failed, shown in the dialog. */
  readonly error: string | null;
}

/** The snapshot dialog's state (lab/SnapshotDialog.tsx shows it). */
export const useSnapshots = create<SnapshotView>()(() => ({ lab: null, snapshots: [], busy: null, error: null }));

async function request(lab: string, action: SnapshotAction, name?: string): Promise<boolean> {
  if (isOffline()) {
    useSnapshots.setState({ error: notConnectedReason(`${action} a snapshot`) });
    return false;
  }
  useSnapshots.setState({ busy: action, error: null });
  const r = await getEngine().request({ type: 'labSnapshot', lab, action, ...(name ? { name } : {}) });
  if (useSnapshots.getState().lab !== lab) return r.ok;
  useSnapshots.setState(r.ok ? { busy: null, snapshots: r.snapshots } : { busy: null, error: r.error.message });
  return r.ok;
}

/** Opens the dialog on `lab` and lists its snapshots. */
export function openSnapshots(lab: string): void {
  useSnapshots.setState({ lab, snapshots: [], busy: null, error: null });
  void request(lab, 'list');
}

export function closeSnapshots(): void {
  useSnapshots.setState({ lab: null, snapshots: [], busy: null, error: null });
}

/** Saves (or replaces) snapshot `name` of the dialog's lab. */
export async function saveSnapshot(name: string): Promise<void> {
  const { lab } = useSnapshots.getState();
  if (lab === null) return;
  if (await request(lab, 'save', name)) editor.getState().notify('info', `snapshot ${name} of ${lab} saved`);
}

/** Deletes snapshot `name` from every guest of the dialog's lab. */
export async function deleteSnapshot(name: string): Promise<void> {
  const { lab } = useSnapshots.getState();
  if (lab === null) return;
  if (await request(lab, 'delete', name)) editor.getState().notify('info', `snapshot ${name} of ${lab} deleted`);
}

/** Loads snapshot `name` into every guest of the dialog's lab. */
export async function loadSnapshot(name: string): Promise<void> {
  const { lab } = useSnapshots.getState();
  if (lab === null) return;
  if (await request(lab, 'load', name)) editor.getState().notify('info', `snapshot ${name} of ${lab} loaded`);
}
