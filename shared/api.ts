/**
 * The typed contract between the UI (renderer, CLI, web client) and the lab engine. Transports (Electron IPC,
 * WebSocket) carry these values unchanged: plain JSON data, discriminated by `type`, no classes or callbacks.
 */
import type { Isolation, Privilege, ProcessPlan } from './compiler/plan';
import type { Diagnostic } from './diagnostics';
import type { LinkShaping, Topology } from './model/schema';
import type { TrustItem } from './model/trust';

/** A lab's name: the `lab` of its LabPlan (unique among running labs). */
export type LabName = string;

/** A lab's lifecycle, as the toolbar and `qnet status` show it. */
export type LabState = 'idle' | 'preflight' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** How a process ended: an exit code, or the signal that killed it (e.g. "SIGKILL"). */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: string | null;
}

/** One guest's state; `crashed` carries how it ended and the last lines QEMU wrote to stderr. */
export type VmState =
  | { readonly state: 'stopped' }
  | { readonly state: 'starting' }
  | {
      readonly state: 'running';
      readonly pid: number;
      /** IPv4 address/prefix per NIC id, as the guest reported them once its network was up (the tiny guest does). */
      readonly addresses?: Readonly<Record<string, string>>;
    }
  | { readonly state: 'crashed'; readonly exit: ExitStatus; readonly stderrTail: string };

/** What a host step is doing now (setup forwards, rollback and teardown backwards). */
export type StepStatus = 'running' | 'done' | 'failed' | 'undoing' | 'undone' | 'undo-failed';

/** Where the topology comes from: the YAML text of a file, or a document already loaded by the UI. */
export type LabSource =
  | { readonly kind: 'yaml'; readonly text: string; readonly path?: string }
  | { readonly kind: 'document'; readonly topology: Topology };

/** Launch options; each overrides the engine's default (probed or from the user's settings). */
export interface LaunchOptions {
  readonly isolation?: Isolation;
  readonly privilege?: Privilege;
  /** Base state directory; the lab gets `<stateDir>/<lab>`. */
  readonly stateDir?: string;
  /**
   * The user approved what this topology runs on the host: the `digest` of the UNTRUSTED error that listed its
   * items (or `qnet up --trust`). Needed once per content; the engine remembers it.
   */
  readonly trust?: string;
  /**
   * The QEMU to probe and run for this launch instead of the engine's own (the editor's QEMU setting): an absolute
   * path to a `qemu-system-<arch>` binary or a directory of them (an install prefix, an unpacked package).
   */
  readonly qemu?: string;
}

/** Stable error codes of failed requests. */
export type ApiErrorCode =
  | 'INVALID_REQUEST'
  | 'INVALID_TOPOLOGY'
  | 'UNTRUSTED'
  | 'PREFLIGHT_FAILED'
  | 'LAB_EXISTS'
  | 'LAB_NOT_FOUND'
  | 'VM_NOT_FOUND'
  | 'LINK_NOT_FOUND'
  | 'NOT_RUNNING'
  /** A link's shaping cannot be applied: the link is no tap of the lab's, or the kernel lacks sch_netem. */
  | 'SHAPING_UNAVAILABLE'
  | 'CONSOLE_NOT_CONNECTED'
  | 'STEP_FAILED'
  | 'PROCESS_FAILED'
  /** A lab snapshot could not be saved, loaded or listed (a guest cannot hold one, QEMU's job failed). */
  | 'SNAPSHOT_FAILED'
  | 'TIMEOUT'
  | 'INTERNAL'
  /** From a transport, not the engine: the page is not connected to its server now (nothing was sent). */
  | 'DISCONNECTED';

/** What an UNTRUSTED launch needs approved: the topology's items, and the digest of its content to approve. */
export interface TrustRequest {
  readonly digest: string;
  readonly items: readonly TrustItem[];
}

/** A failed request: a stable code, a sentence, and the diagnostics behind it when there are any. */
export interface ApiError {
  readonly code: ApiErrorCode;
  readonly message: string;
  readonly diagnostics?: readonly Diagnostic[];
  /** UNTRUSTED: what the user must approve before the launch. */
  readonly trust?: TrustRequest;
}

/** The result of every request: never a thrown error across the boundary. */
export type Result<T extends object = object> =
  ({ readonly ok: true } & T) | { readonly ok: false; readonly error: ApiError };

/** One guest as `status` reports it. */
export interface VmStatus {
  readonly vm: string;
  readonly node: string;
  readonly state: VmState;
  /** Sequence number after the last console byte buffered so far. */
  readonly consoleSeq: number;
  /** The TCP port on the host's 127.0.0.1 its console is served on while the lab runs (`console.tcpPort`). */
  readonly consolePort?: number;
}

/**
 * One VDE switch node as `status` reports it: its vde_switch's state (running with its pid, stopped, crashed when it
 * ended on its own); a slirpvde plugged into it starts and stops with it.
 */
export interface SwitchStatus {
  readonly node: string;
  readonly state: VmState;
}

/** A link of a lab with a guest NIC on at least one end: what link control acts on. */
export interface LinkStatus {
  readonly link: string;
  /** False while the link is set down (QMP `set_link` on its guest NIC ends); true again after up or a relaunch. */
  readonly up: boolean;
  /** While it is captured: the pcap QEMU writes (a `filter-dump` on a guest NIC's netdev), in the lab's directory. */
  readonly capture?: string;
  /**
   * Its shaping now (tc on its tap and ifb), absent when unshaped or when it has no tap of the lab's; `tap` is that tap,
   * present only for links tc can shape.
   */
  readonly shaping?: LinkShaping;
  readonly tap?: string;
}

/** One packet of a capture as tshark decodes it (Wireshark's columns). */
export interface PacketRow {
  /** Its frame number in the pcap, from 1. */
  readonly no: number;
  /** Seconds since the capture's first packet. */
  readonly time: number;
  readonly source: string;
  readonly destination: string;
  readonly protocol: string;
  readonly info: string;
}

/** One lab as `status` and `list` report it. */
export interface LabStatus {
  readonly lab: LabName;
  readonly state: LabState;
  readonly stateDir: string;
  readonly netns: string | null;
  readonly vms: readonly VmStatus[];
  /** Its links with a guest NIC end, in the plan's order (absent from an engine that predates link control). */
  readonly links?: readonly LinkStatus[];
  /** Its VDE switch nodes, in the plan's order (absent from an engine that predates switch control). */
  readonly switches?: readonly SwitchStatus[];
  /** Why the lab failed, when it did. */
  readonly error?: ApiError;
}

/** Severity of an engine log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where one host step has got to. */
export interface StepProgress {
  /** 0-based index into the plan's host steps, and their count. */
  readonly index: number;
  readonly total: number;
  readonly description: string;
  readonly status: StepStatus;
  /** The failing command's output, when status is failed or undo-failed. */
  readonly detail?: string;
}

/**
 * What a log line is about, so a client decides what to show from data, never from the sentence: the lab's own
 * lifecycle, a preflight problem (also in the `preflight` event), a host step (with `step`), a process starting or
 * failing to (with `process`), a process that ended on its own while the lab ran (`exit`, with `process`), the
 * cleanup after a lab not stopped cleanly, the tiny guest built on demand, the trust step, the probe of this host, a
 * link set down or up (and later a capture) on a running lab.
 */
export type LogTopic =
  'lab' | 'preflight' | 'step' | 'process' | 'exit' | 'recovery' | 'guest-build' | 'trust' | 'target' | 'link';

/** The process a log line is about. */
export interface LogProcess {
  readonly id: string;
  readonly kind: ProcessPlan['kind'];
}

/** One line of a lab's log (what the Log panel and `qnet up` print). */
export interface LogEntry {
  readonly lab: LabName | null;
  readonly level: LogLevel;
  readonly topic: LogTopic;
  readonly message: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** Set on the line that records a host step's progress (also sent live as a `step` event). */
  readonly step?: StepProgress;
  /** Set on the lines of topics `process` and `exit`. */
  readonly process?: LogProcess;
}

/** Everything the UI can ask the engine. */
export type EngineRequest =
  | { readonly type: 'preflight'; readonly source: LabSource; readonly options?: LaunchOptions }
  | { readonly type: 'launch'; readonly source: LabSource; readonly options?: LaunchOptions }
  | { readonly type: 'stop'; readonly lab: LabName }
  | { readonly type: 'status'; readonly lab: LabName }
  | { readonly type: 'list' }
  | { readonly type: 'logs'; readonly lab: LabName }
  | { readonly type: 'consoleSubscribe'; readonly lab: LabName; readonly vm: string; readonly fromSeq?: number }
  | { readonly type: 'consoleUnsubscribe'; readonly subscription: string }
  | { readonly type: 'consoleInput'; readonly lab: LabName; readonly vm: string; readonly data: string }
  | { readonly type: 'consoleRead'; readonly lab: LabName; readonly vm: string; readonly fromSeq: number }
  /** Sets a running lab's link down or up: its guest NICs lose or regain carrier (both ends of a VM-VM link). */
  | { readonly type: 'setLink'; readonly lab: LabName; readonly link: string; readonly up: boolean }
  /** Replaces a running lab's link shaping (tc on its tap and ifb in the lab's network); an empty one takes it off. */
  | { readonly type: 'setShaping'; readonly lab: LabName; readonly link: string; readonly shaping: LinkShaping }
  /**
   * Starts capturing a running lab's link into a pcap in its state directory (answered as is when it already is).
   * A bridge node's id in `link` (no link having that id) captures its whole segment, the bridge itself.
   */
  | { readonly type: 'captureStart'; readonly lab: LabName; readonly link: string }
  /** Stops a capture; the pcap stays. Captures also stop with the lab. */
  | { readonly type: 'captureStop'; readonly lab: LabName; readonly link: string }
  /** The pcap the engine wrote for the link's (or bridge's) running or last capture: what a download serves. */
  | { readonly type: 'captureFile'; readonly lab: LabName; readonly link: string }
  /**
   * The packets of the link's capture (running, or the last one) numbered above `after`, kept by `filter` (a
   * Wireshark display filter), decoded by tshark on the engine's side.
   */
  | {
      readonly type: 'capturePackets';
      readonly lab: LabName;
      readonly link: string;
      readonly filter?: string;
      readonly after?: number;
    }
  /**
   * Starts, stops or restarts one guest (a VM or a UML instance, by node id or name) or VDE switch (by node id) of a
   * running lab; the rest of the lab keeps running. `start` also brings back a crashed guest.
   */
  | { readonly type: 'vmControl'; readonly lab: LabName; readonly vm: string; readonly action: VmAction }
  /**
   * Saves every guest's state of a running lab under `name` (replacing one of that name), loads it back, deletes it,
   * or lists the lab's snapshots. Every guest must run and write only qcow2 disks that stay (an image or a linked clone).
   */
  | { readonly type: 'labSnapshot'; readonly lab: LabName; readonly action: SnapshotAction; readonly name?: string };

/** What `vmControl` does to one guest. */
export type VmAction = 'start' | 'stop' | 'restart';

/** What `labSnapshot` does. */
export type SnapshotAction = 'save' | 'load' | 'delete' | 'list';

/** A lab snapshot: a name every guest of the lab has its state saved under, and when (ms since the epoch). */
export interface LabSnapshot {
  readonly name: string;
  readonly date: number;
}

/** A snapshot name as QEMU and a shell take it without quoting trouble. */
export const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The success payload of each request type. */
export interface EngineResponses {
  /** ok even when problems were found: `problems` holds them (errors block a launch). */
  readonly preflight: { readonly problems: readonly Diagnostic[] };
  readonly launch: { readonly lab: LabName; readonly status: LabStatus };
  readonly stop: { readonly lab: LabName };
  /** `topology`: the document the lab was launched from, so a window opened later can show its drawing. */
  readonly status: { readonly status: LabStatus; readonly topology?: Topology };
  readonly list: { readonly labs: readonly LabStatus[] };
  /** The lab's log so far (bounded), for a window opened late or reloaded. */
  readonly logs: { readonly lines: readonly LogEntry[] };
  /**
   * `backlog`: the buffered text from `seq` (later than asked when `truncated`) to `end`; the guest's console events
   * go on from `end`: an event that ends at or before it is already in the backlog.
   */
  readonly consoleSubscribe: {
    readonly subscription: string;
    readonly seq: number;
    readonly end: number;
    readonly backlog: string;
    readonly truncated: boolean;
  };
  readonly consoleUnsubscribe: object;
  readonly consoleInput: object;
  readonly consoleRead: {
    readonly data: string;
    readonly seq: number;
    readonly end: number;
    readonly truncated: boolean;
  };
  readonly setLink: { readonly link: LinkStatus };
  readonly setShaping: { readonly link: LinkStatus };
  /** `file`: the pcap being written (also `link.capture`). */
  readonly captureStart: { readonly link: LinkStatus; readonly file: string };
  /** `file`: the finished pcap. */
  readonly captureStop: { readonly link: LinkStatus; readonly file: string };
  /** `file`: null when the link was never captured while this engine ran the lab. */
  readonly captureFile: { readonly file: string | null };
  /** The guest's state once the action is done. */
  readonly vmControl: { readonly vm: string; readonly state: VmState };
  /** The lab's snapshots once the action is done. */
  readonly labSnapshot: { readonly snapshots: readonly LabSnapshot[] };
  /**
   * `file`: the pcap read (null when the link was never captured), `live` while it is written; `tshark` false when
   * the engine's host has no tshark (the capture still works; nothing is decoded); `more` when rows were left for
   * the next ask.
   */
  readonly capturePackets: {
    readonly file: string | null;
    readonly live: boolean;
    readonly tshark: boolean;
    readonly packets: readonly PacketRow[];
    readonly more: boolean;
  };
}

/** The result type of one request. */
export type ResponseOf<R extends EngineRequest> = Result<EngineResponses[R['type']]>;

/** Everything the engine tells the UI, pushed to subscribers. */
export type EngineEvent =
  | { readonly type: 'labState'; readonly lab: LabName; readonly state: LabState; readonly error?: ApiError }
  | { readonly type: 'vmState'; readonly lab: LabName; readonly vm: string; readonly state: VmState }
  | ({ readonly type: 'step'; readonly lab: LabName } & StepProgress)
  | {
      readonly type: 'console';
      readonly lab: LabName;
      readonly vm: string;
      /**
       * The bytes `data` decodes, as offsets in the guest's console stream. A guest's events follow each other
       * (one's `end` is the next one's `seq`), each sent once however many subscriptions watch it.
       */
      readonly seq: number;
      readonly end: number;
      /** UTF-8 text of whole characters (one split across chunks goes out with the next event). */
      readonly data: string;
    }
  | ({ readonly type: 'log' } & LogEntry)
  | ({ readonly type: 'linkState'; readonly lab: LabName } & LinkStatus)
  | ({ readonly type: 'switchState'; readonly lab: LabName } & SwitchStatus)
  | { readonly type: 'preflight'; readonly lab: LabName; readonly problems: readonly Diagnostic[] };

/** The engine as the UI sees it; every transport implements this. */
export interface EngineApi {
  /** Sends one request; resolves with its result, never rejects. */
  request<R extends EngineRequest>(request: R): Promise<ResponseOf<R>>;
  /** Receives every event until the returned function is called. */
  subscribe(listener: (event: EngineEvent) => void): () => void;
}

/** Builds a failed result. */
export function fail(
  code: ApiErrorCode,
  message: string,
  diagnostics?: readonly Diagnostic[],
): { readonly ok: false; readonly error: ApiError } {
  return { ok: false, error: diagnostics ? { code, message, diagnostics } : { code, message } };
}
