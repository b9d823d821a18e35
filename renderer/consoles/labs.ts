/**
 * Which labs run and which guests they have, as pure functions over `list` answers and labState/vmState events
 * (lab/labList.ts holds the page's copy, which the Consoles tab and the toolbar's lab list read).
 */
import type { EngineEvent, LabState, LabStatus, VmState } from '../../shared/api';

export interface GuestView {
  readonly vm: string;
  readonly state: VmState['state'];
}

export interface LabView {
  readonly lab: string;
  readonly state: LabState;
  readonly vms: readonly GuestView[];
  /** Bumped when the lab is launched again under the same name: its consoles start over. */
  readonly run: number;
}

export type Labs = Readonly<Record<string, LabView>>;

/** A lab whose consoles take input and follow output. */
export const isLive = (state: LabState): boolean =>
  state === 'preflight' || state === 'starting' || state === 'running';

/** The labs `list` reported, keeping the run counters already known. */
export function fromList(previous: Labs, labs: readonly LabStatus[]): Labs {
  const next: Record<string, LabView> = {};
  for (const s of labs) {
    next[s.lab] = {
      lab: s.lab,
      state: s.state,
      vms: s.vms.map((v) => ({ vm: v.vm, state: v.state.state })),
      run: previous[s.lab]?.run ?? 0,
    };
  }
  // A lab stopped and dropped by the engine keeps its (stopped) consoles until the page forgets it.
  for (const [name, lab] of Object.entries(previous)) if (!next[name] && !isLive(lab.state)) next[name] = lab;
  return next;
}

/** Applies one engine event (others return `labs` unchanged). */
export function applyEvent(labs: Labs, e: EngineEvent): Labs {
  if (e.type === 'labState') {
    const known = labs[e.lab];
    if (!known) return { ...labs, [e.lab]: { lab: e.lab, state: e.state, vms: [], run: 0 } };
    const relaunch = !isLive(known.state) && isLive(e.state);
    if (known.state === e.state) return labs;
    return {
      ...labs,
      [e.lab]: relaunch ? { lab: e.lab, state: e.state, vms: [], run: known.run + 1 } : { ...known, state: e.state },
    };
  }
  if (e.type === 'vmState') {
    const known = labs[e.lab] ?? { lab: e.lab, state: 'starting' as const, vms: [], run: 0 };
    const has = known.vms.some((v) => v.vm === e.vm);
    const vms = has
      ? known.vms.map((v) => (v.vm === e.vm ? { vm: v.vm, state: e.state.state } : v))
      : [...known.vms, { vm: e.vm, state: e.state.state }];
    return { ...labs, [e.lab]: { ...known, vms } };
  }
  return labs;
}

/** The lab the Consoles tab shows by default: a live one first, else the last one seen. */
export function defaultLab(labs: Labs): string | null {
  const all = Object.values(labs);
  return (all.find((l) => isLive(l.state)) ?? all[all.length - 1])?.lab ?? null;
}
