/**
 * Every lab the engine has (running or stopped), with its guests: what the toolbar's lab list and the Consoles tab
 * show. Read from `list` on each (re)connection and kept current by labState/vmState events (labSync.ts feeds it).
 */
import { create } from 'zustand';
import type { EngineEvent, LabStatus } from '../../shared/api';
import { applyEvent, fromList, type Labs } from '../consoles/labs';

interface LabListStore {
  readonly labs: Labs;
  /** The engine's `list` answer (labs it dropped while live are forgotten; stopped ones are kept). */
  setList(list: readonly LabStatus[]): void;
  /** One lab's fresh `status` (its guests, before each reports a state). */
  setStatus(status: LabStatus): void;
  apply(event: EngineEvent): void;
}

export const useLabList = create<LabListStore>()((set, get) => ({
  labs: {},
  setList: (list) => set({ labs: fromList(get().labs, list) }),
  setStatus(status) {
    const known = get().labs[status.lab];
    if (!known) return;
    const fresh = fromList({}, [status])[status.lab]!;
    set({ labs: { ...get().labs, [status.lab]: { ...fresh, run: known.run } } });
  },
  apply(event) {
    const labs = applyEvent(get().labs, event);
    if (labs !== get().labs) set({ labs });
  },
}));
