/**
 * The running lab as the page sees it: which lab, its state, each guest's state (badges on the canvas), the log
 * (host steps and log lines) and the problems a launch found (preflight). Fed by engine events through the pure
 * `applyEvent`, and by `list`/`status`/`logs` answers when the page (re)connects.
 */
import { create } from 'zustand';
import type {
  ApiError,
  EngineEvent,
  LabName,
  LabState,
  LabStatus,
  LogEntry,
  LogLevel,
  StepProgress,
  StepStatus,
  VmState,
} from '../../shared/api';
import type { Diagnostic } from '../../shared/diagnostics';
import type { Topology } from '../../shared/model';

/** One line of the Log panel: a host step's progress, or a log line. */
export type LabLogLine =
  | { readonly kind: 'log'; readonly level: LogLevel; readonly message: string; readonly time: number }
  | {
      readonly kind: 'step';
      readonly index: number;
      readonly total: number;
      readonly description: string;
      readonly status: StepStatus;
      readonly detail?: string;
      readonly time: number;
    };

export interface LabView {
  readonly lab: LabName | null;
  readonly state: LabState | null;
  readonly error: ApiError | null;
  /** Guests by VM name: the topology node each realizes and its state. */
  readonly vms: Readonly<Record<string, { readonly node: string; readonly state: VmState }>>;
  readonly log: readonly LabLogLine[];
  /** What stopped the last launch (preflight problems, or a failure turned into one). */
  readonly problems: readonly Diagnostic[];
  /** A request in flight (launch or stop). */
  readonly busy: 'launch' | 'stop' | 'validate' | null;
  /** The document the lab was launched from, when known: what its running guests were built from. */
  readonly launched: Topology | null;
  /** Its links with a guest NIC end, by link id: false while set down. */
  readonly links: Readonly<Record<string, boolean>>;
  /** The links being captured, by link id: the pcap each is written to. */
  readonly captures: Readonly<Record<string, string>>;
  /** Its VDE switch nodes by node id: their state as the engine reports it (`status`, `switchState` events). */
  readonly switches: Readonly<Record<string, VmState>>;
}

/** The most log lines kept. */
const MAX_LOG = 2000;

export const EMPTY_LAB: LabView = {
  lab: null,
  state: null,
  error: null,
  vms: {},
  log: [],
  problems: [],
  busy: null,
  launched: null,
  links: {},
  captures: {},
  switches: {},
};

const pushLog = (log: readonly LabLogLine[], line: LabLogLine): readonly LabLogLine[] => {
  const next = log.length >= MAX_LOG ? log.slice(log.length - MAX_LOG + 1) : log.slice();
  next.push(line);
  return next;
};

/** Whether a lab in this state still holds processes or host changes. */
export const isActive = (state: LabState | null): boolean =>
  state === 'preflight' || state === 'starting' || state === 'running' || state === 'stopping';

/**
 * The view after one engine event about the followed lab (the same object when the event is about another lab:
 * which lab the page follows is labSync.ts's decision).
 */
export function applyEvent(view: LabView, event: EngineEvent, now: number = Date.now()): LabView {
  if (event.type === 'console') return view;
  if (view.lab === null || event.lab !== view.lab) return view;
  switch (event.type) {
    case 'labState':
      return {
        ...view,
        state: event.state,
        error: event.error ?? (event.state === 'failed' ? view.error : null),
      };
    case 'vmState': {
      // A guest not known yet has no node until `status` says which (a VM's name is not a node id).
      const known = view.vms[event.vm];
      const vms = { ...view.vms, [event.vm]: { node: known?.node ?? '', state: event.state } };
      let log = view.log;
      if (event.state.state === 'crashed')
        for (const line of crashLog(event.vm, event.state, now)) log = pushLog(log, line);
      return { ...view, vms, log };
    }
    case 'switchState':
      return { ...view, switches: { ...view.switches, [event.node]: event.state } };
    case 'step':
      return { ...view, log: pushLog(view.log, stepLine(event, now)) };
    case 'log':
      // A step's log line repeats its step event, already shown.
      return event.step ? view : { ...view, log: pushLog(view.log, logLine(event)) };
    case 'preflight':
      return { ...view, problems: event.problems.filter((p) => p.severity === 'error') };
    case 'linkState': {
      const sameCapture = view.captures[event.link] === event.capture;
      if (view.links[event.link] === event.up && sameCapture) return view;
      const captures = { ...view.captures };
      if (event.capture === undefined) delete captures[event.link];
      else captures[event.link] = event.capture;
      return {
        ...view,
        links: { ...view.links, [event.link]: event.up },
        captures: sameCapture ? view.captures : captures,
      };
    }
    default:
      return view;
  }
}

/** A status's link states by link id. */
export const linksOf = (status: LabStatus): Record<string, boolean> =>
  Object.fromEntries((status.links ?? []).map((l) => [l.link, l.up]));

/** A status's captures by link id: the pcap each is written to. */
export const capturesOf = (status: LabStatus): Record<string, string> =>
  Object.fromEntries((status.links ?? []).flatMap((l) => (l.capture === undefined ? [] : [[l.link, l.capture]])));

/** A status's VDE switch states by node id. */
export const switchesOf = (status: LabStatus): Record<string, VmState> =>
  Object.fromEntries((status.switches ?? []).map((s) => [s.node, s.state]));

/** The view of a lab from its `status` (and its `logs` when read), e.g. after a reload. */
export function viewOfStatus(status: LabStatus, logs?: readonly LogEntry[]): LabView {
  return {
    ...EMPTY_LAB,
    lab: status.lab,
    state: status.state,
    error: status.error ?? null,
    vms: Object.fromEntries(status.vms.map((v) => [v.vm, { node: v.node, state: v.state }])),
    links: linksOf(status),
    captures: capturesOf(status),
    switches: switchesOf(status),
    log: [...(logs ?? []).map((l) => (l.step ? stepLine(l.step, l.time) : logLine(l))), ...crashLines(status)].slice(
      -MAX_LOG,
    ),
  };
}

function stepLine(step: StepProgress, time: number): LabLogLine {
  const { index, total, description, status, detail } = step;
  return { kind: 'step', index, total, description, status, ...(detail ? { detail } : {}), time };
}

function logLine(l: LogEntry): LabLogLine {
  return { kind: 'log', level: l.level, message: l.message, time: l.time };
}

/** How a guest crashed, and the tail of its stderr, as Log lines. */
function crashLog(vm: string, state: Extract<VmState, { state: 'crashed' }>, time: number): LabLogLine[] {
  const { exit, stderrTail } = state;
  const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${String(exit.code)}`;
  const lines: LabLogLine[] = [{ kind: 'log', level: 'error', message: `${vm}: QEMU ${how}`, time }];
  if (stderrTail.trim())
    lines.push({ kind: 'log', level: 'error', message: `${vm} stderr:\n${stderrTail.trimEnd()}`, time });
  return lines;
}

/** The crash lines of the guests a status reports crashed (a page that opens after the crash sees them too). */
function crashLines(status: LabStatus): LabLogLine[] {
  return status.vms.flatMap((v) => (v.state.state === 'crashed' ? crashLog(v.vm, v.state, Date.now()) : []));
}

/** A VM state per topology node id (what the canvas badges show). */
export function nodeStates(view: LabView): Record<string, VmState> {
  const out: Record<string, VmState> = {};
  for (const v of Object.values(view.vms)) out[v.node] = v.state;
  return out;
}

/**
 * The guest (VM name) of the followed lab realizing a topology node whose console can be opened: the lab is live
 * and the guest is starting or running. Null otherwise.
 */
export function consoleGuest(view: Pick<LabView, 'state' | 'vms'>, node: string): string | null {
  if (view.state !== 'preflight' && view.state !== 'starting' && view.state !== 'running') return null;
  for (const [vm, v] of Object.entries(view.vms)) {
    if (v.node === node && (v.state.state === 'starting' || v.state.state === 'running')) return vm;
  }
  return null;
}

/**
 * The guest realizing `node` in a running lab and whether it is up (starting or running), or null when the lab is
 * not running or has no such guest: what Start, Stop and Restart on the node act on.
 */
export function labGuest(view: Pick<LabView, 'state' | 'vms'>, node: string): { vm: string; up: boolean } | null {
  if (view.state !== 'running') return null;
  for (const [vm, v] of Object.entries(view.vms))
    if (v.node === node) return { vm, up: v.state.state === 'starting' || v.state.state === 'running' };
  return null;
}

interface LabStore extends LabView {
  set(view: Partial<LabView>): void;
  apply(event: EngineEvent): void;
}

/** The page's lab view. */
export const useLab = create<LabStore>()((set, get) => ({
  ...EMPTY_LAB,
  set: (view) => set(view),
  apply(event) {
    const s = get();
    const next = applyEvent(s, event);
    if (next !== s) set(next);
  },
}));

/**
 * Whether a link of the followed lab can be set down or up now, and its state: null when the lab is not running or
 * the link has no guest NIC end.
 */
export function linkControl(view: Pick<LabView, 'state' | 'links'>, link: string): { readonly up: boolean } | null {
  if (view.state !== 'running') return null;
  const up = view.links[link];
  return up === undefined ? null : { up };
}

/**
 * A VDE switch node of the running lab and whether it is up (starting or running), or null when the lab is not
 * running or has no such switch: what Start, Stop and Restart on the node act on.
 */
export function labSwitch(view: Pick<LabView, 'state' | 'switches'>, node: string): { up: boolean } | null {
  const state = view.state === 'running' ? view.switches[node] : undefined;
  return state ? { up: state.state === 'starting' || state.state === 'running' } : null;
}

/** A VDE switch node's state in the followed lab, or null when it has none. */
export function useNodeSwitchState(node: string): VmState | null {
  return useLab((s) => s.switches[node] ?? null);
}

/** The VM state of one topology node, or null when no guest of the followed lab realizes it. */

export function useNodeVmState(node: string): VmState | null {
  return useLab((s) => statesByNode(s.vms).get(node) ?? null);
}

const byNodeCache = new WeakMap<LabView['vms'], Map<string, VmState>>();

/** Each node's VM state, built once per `vms` object: every node's badge and ports look theirs up on each event. */
function statesByNode(vms: LabView['vms']): Map<string, VmState> {
  let byNode = byNodeCache.get(vms);
  if (!byNode) {
    byNode = new Map();
    for (const v of Object.values(vms)) if (!byNode.has(v.node)) byNode.set(v.node, v.state);
    byNodeCache.set(vms, byNode);
  }
  return byNode;
}

/** The addresses each node's running guest reported now, by node id and NIC id (what a diagram export shows). */
export function reportedAddresses(): ReadonlyMap<string, Readonly<Record<string, string>>> {
  const out = new Map<string, Readonly<Record<string, string>>>();
  for (const [node, state] of statesByNode(useLab.getState().vms))
    if (state.state === 'running' && state.addresses) out.set(node, state.addresses);
  return out;
}

/** The addresses a node's running guest reported, by NIC id (undefined while it has reported none). */
export function useNodeAddresses(node: string): Readonly<Record<string, string>> | undefined {
  const state = useNodeVmState(node);
  return state?.state === 'running' ? state.addresses : undefined;
}
