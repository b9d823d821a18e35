/**
 * LabRunner: one lab's lifecycle. launch = preflight, host steps through the journal (rolled back on failure),
 * processes in dependency order (independent ones in parallel), a console per guest attached while QEMU spawns;
 * stop = guests in parallel, then switches, then the undos in reverse, runtime files and the journal removed.
 * Every change is an EngineEvent of shared/api.ts; nothing here throws at its callers.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ApiError,
  EngineEvent,
  EngineResponses,
  LabState,
  LabStatus,
  LinkStatus,
  LogEntry,
  LabSnapshot,
  Result,
  SnapshotAction,
  StepProgress,
  VmAction,
  VmState,
} from '../../shared/api';
import type { HostStep, LabPlan, ProcessPlan } from '../../shared/compiler/plan';
import type { LinkShaping } from '../../shared/model/schema';
import type { Diagnostic } from '../../shared/diagnostics';
import { DEFAULT_CONSOLE_BUFFER } from './ring-buffer';
import { runHostSteps, unfinishedMessage, undoHostSteps, type UndoItem } from './host-steps';
import { Journal, JOURNAL_FILE, journaledProcesses, readJournal } from './journal';
import { isOurProcess } from './proc';
import { LabLinks } from './lab-links';
import { makeOverlays } from './overlays';
import { deleteSnapshot, listSnapshots, loadSnapshot, saveSnapshot } from './snapshots';
import { LabLog } from './lab-log';
import { preflight, hasPasswordlessSudo, type PreflightEnv } from './preflight';
import { stateDirProblem } from './preflight-state';
import { ensureLabDir } from './state-dir';
import { chooseEscalation, planNeedsRoot, type Escalation } from './privilege';
import { recoverLab } from './recovery';
import { removeRuntimeFiles } from './runtime-files';
import { runCommand, type CommandResult } from './run-command';
import { describeExit, ProcessSupervisor, type ProcessExit, type StopTimeouts } from './supervisor';
import { VmConsole, type ConsoleSubscription } from './vm-console';
import { CONSOLE_HOST, ConsolePort } from './console-port';
import { watchGuestReport } from './guest-report';
import { spawnEnv } from './which';
import { endHolder, enterArgv, startHolder, type Holder } from './userns';
import { joinHolderWords } from '../../shared/compiler/enter';

/** The lab's stop timeouts: the tiny guest ignores system_powerdown, so that step is short by default. */
const LAB_STOP_TIMEOUTS: StopTimeouts = { powerdownMs: 3_000, quitMs: 3_000, termMs: 3_000, killMs: 3_000 };

export interface LabRunnerOptions {
  readonly plan: LabPlan;
  /** Environment (PATH) of every command and process. */
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  /** Answers preflight may use instead of probing (KVM, sudo, bridge.conf path). */
  readonly preflightEnv?: Omit<PreflightEnv, 'env' | 'uid'>;
  readonly consoleBufferBytes?: number;
  readonly stopTimeouts?: Partial<StopTimeouts>;
  readonly readyTimeoutMs?: number;
  readonly logLines?: number;
}

interface VmEntry {
  readonly name: string;
  readonly node: string;
  state: VmState;
  readonly console: VmConsole;
  /** Its console on a loopback TCP port, while the lab runs (`console.tcpPort`). */
  readonly consolePort?: ConsolePort;
  /** The addresses the guest reported on its console since it last started. */
  reported?: Readonly<Record<string, string>>;
}

type Listener = (event: EngineEvent) => void;

/** A guest of the lab: a QEMU VM, or a process with a console of its own (UML). */
/** What each snapshot action is called in the log while under way and once done, and what runs it. */
const SNAPSHOT_STEPS = {
  save: ['saving', 'saved', saveSnapshot],
  load: ['loading', 'loaded', loadSnapshot],
  delete: ['deleting', 'deleted', deleteSnapshot],
} as const;

const isGuest = (p: ProcessPlan | undefined): boolean =>
  p !== undefined && (p.kind === 'vm' || p.console !== undefined);

export class LabRunner {
  readonly lab: string;
  private current: LabState = 'idle';
  private error: ApiError | undefined;
  private journal: Journal | null = null;
  /** The host steps that completed, in order: teardown undoes exactly these (never re-read from disk). */
  private doneSteps: HostStep[] = [];
  private readonly supervisors = new Map<string, ProcessSupervisor>();
  private readonly vms = new Map<string, VmEntry>();
  /** Each VDE switch node's state (its vde_switch's), by node id, in the plan's order. */
  private readonly switches = new Map<string, VmState>();
  private readonly listeners = new Set<Listener>();
  private readonly log: LabLog;
  private readonly env: NodeJS.ProcessEnv;
  private readonly uid: number;
  private escalation: Escalation | null = null;
  private launching: Promise<unknown> | null = null;
  private stopping: Promise<Result> | null = null;
  private abortLaunch = false;
  private startFailure: string | null = null;
  private readonly links: LabLinks;
  /** The holder of the lab's user namespace (isolation userns) while it runs. */
  private holder: Holder | null = null;
  /** Why the lab ended on its own (its holder ended): the state it ends in after teardown. */
  private lost: string | null = null;
  /** The action under way on each guest (by node id), so actions on one guest run one after another. */
  private readonly vmActions = new Map<string, Promise<void>>();
  /** The snapshot action under way: the next waits for it. */
  private snapshotting: Promise<void> = Promise.resolve();

  constructor(private readonly options: LabRunnerOptions) {
    const { plan } = options;
    this.lab = plan.lab;
    this.env = spawnEnv(options.env);
    this.uid = options.uid ?? process.getuid?.() ?? 0;
    this.log = new LabLog(plan.lab, (entry) => this.emit({ type: 'log', ...entry }), options.logLines);
    this.links = new LabLinks({
      lab: plan.lab,
      plan,
      qmpOf: (node) => {
        const p = plan.processes.find((x) => x.kind === 'vm' && x.node === node);
        const sup = p ? this.supervisors.get(p.id) : undefined;
        return sup?.state === 'running' ? sup.qmp : null;
      },
      state: () => this.current,
      emit: (e) => this.emit(e),
      log: this.log,
      env: this.env,
      inLab: (argv) => this.inLab(argv),
      journal: () => this.journal,
    });
    for (const vm of plan.vms) {
      const vmConsole = new VmConsole(
        { socket: vm.console },
        options.consoleBufferBytes ?? DEFAULT_CONSOLE_BUFFER,
        (text) => this.emit({ type: 'console', lab: this.lab, vm: vm.name, ...text }),
      );
      const tcp = vm.ports.find((p) => p.what === 'console');
      const entry: VmEntry = {
        name: vm.name,
        node: vm.node,
        state: { state: 'stopped' },
        console: vmConsole,
        ...(tcp ? { consolePort: new ConsolePort(tcp.port, vmConsole) } : {}),
      };
      watchGuestReport(entry.console.buffer, vm.nics, (addresses) => {
        if (JSON.stringify(addresses) === JSON.stringify(entry.reported)) return;
        entry.reported = addresses;
        if (entry.state.state === 'running') this.setVm(entry, { state: 'running', pid: entry.state.pid });
      });
      this.vms.set(vm.node, entry);
    }
    for (const p of plan.processes) if (p.kind === 'vde_switch') this.switches.set(p.node, { state: 'stopped' });
    // A guest that is a process of its own (UML): its console is its stdout log and stdin FIFO.
    for (const p of plan.processes) {
      if (p.console === undefined) continue;
      const name = p.console.name;
      const umlConsole = new VmConsole(
        { log: p.stderrLog, input: p.console.input },
        options.consoleBufferBytes ?? DEFAULT_CONSOLE_BUFFER,
        (text) => this.emit({ type: 'console', lab: this.lab, vm: name, ...text }),
      );
      this.vms.set(p.node, {
        name,
        node: p.node,
        state: { state: 'stopped' },
        console: umlConsole,
        ...(p.console.port ? { consolePort: new ConsolePort(p.console.port.port, umlConsole) } : {}),
      });
    }
  }

  /** The lab's state now. */
  get state(): LabState {
    return this.current;
  }

  /** True while the lab holds anything (launching, running, stopping). */
  get active(): boolean {
    return ['preflight', 'starting', 'running', 'stopping'].includes(this.current);
  }

  /** Calls `listener` with every event of this lab until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The lab as `status` reports it. */
  status(): LabStatus {
    const { plan } = this.options;
    return {
      lab: this.lab,
      state: this.current,
      stateDir: plan.stateDir,
      netns: plan.netns,
      vms: [...this.vms.values()].map((v) => ({
        vm: v.name,
        node: v.node,
        state: v.state,
        consoleSeq: v.console.buffer.end,
        ...(v.consolePort ? { consolePort: v.consolePort.port } : {}),
      })),
      links: this.links.statuses(),
      switches: [...this.switches].map(([node, state]) => ({ node, state })),
      ...(this.error ? { error: this.error } : {}),
    };
  }

  /** The bounded log so far. */
  logs(): LogEntry[] {
    return this.log.entries();
  }

  /**
   * Runs the preflight checks only (with the compiler's errors first). `launching`: the user launches the lab, so
   * the programs its file names may be asked their version.
   */
  async check(launching = false): Promise<Diagnostic[]> {
    const { plan, preflightEnv } = this.options;
    const compileErrors = plan.diagnostics.filter((d) => d.severity === 'error');
    const penv = { ...preflightEnv, env: this.env, uid: this.uid, launching };
    return [...compileErrors, ...(await preflight(plan, penv))];
  }

  /** Starts the lab; resolves once it runs or has failed (and then left nothing behind). */
  launch(): Promise<Result<{ status: LabStatus }>> {
    if (this.current !== 'idle')
      return Promise.resolve({
        ok: false,
        error: { code: 'INVALID_REQUEST', message: `lab ${this.lab} was already launched (${this.current})` },
      });
    const run = this.runLaunch();
    this.launching = run;
    return run;
  }

  /** Stops the lab and undoes its host setup; calling it again returns the same outcome. */
  stop(): Promise<Result> {
    if (this.stopping) return this.stopping;
    this.stopping = this.runStop();
    return this.stopping;
  }

  /** Stops the lab if it holds anything, then releases consoles and listeners. */
  async dispose(): Promise<void> {
    if (this.active) await this.stop();
    for (const vm of this.vms.values()) {
      await vm.consolePort?.close();
      vm.console.dispose();
    }
    for (const s of this.supervisors.values()) await s.dispose();
    this.listeners.clear();
  }

  // ------------------------------------------------------------------------------------------ consoles

  private vmEntry(vm: string): VmEntry | undefined {
    return this.vms.get(vm) ?? [...this.vms.values()].find((v) => v.name === vm);
  }

  /**
   * The guest's console text from `fromSeq`; from then on each new chunk is a `console` event of this lab (once,
   * however many subscriptions watch) until unsubscribed. `vm` is a name or node id.
   */
  consoleSubscribe(vm: string, fromSeq: number): Result<ConsoleSubscription> {
    const entry = this.vmEntry(vm);
    if (!entry) return this.noVm(vm);
    return { ok: true, ...entry.console.subscribe(fromSeq) };
  }

  /** The buffered console text from `fromSeq`. */
  consoleRead(vm: string, fromSeq: number): Result<{ data: string; seq: number; end: number; truncated: boolean }> {
    const entry = this.vmEntry(vm);
    if (!entry) return this.noVm(vm);
    return { ok: true, ...entry.console.read(fromSeq) };
  }

  /** Types `data` into the guest's serial console. */
  consoleInput(vm: string, data: string): Result {
    const entry = this.vmEntry(vm);
    if (!entry) return this.noVm(vm);
    if (entry.state.state !== 'running')
      return {
        ok: false,
        error: { code: 'NOT_RUNNING', message: `${entry.name} is not running (${entry.state.state})` },
      };
    return entry.console.write(data);
  }

  // ------------------------------------------------------------------------------------------ links

  /** Sets a link of the running lab down or up; a `linkState` event tells every client. */
  setLink(link: string, up: boolean): Promise<Result<{ link: LinkStatus }>> {
    return this.links.setLink(link, up);
  }

  setShaping(link: string, shaping: LinkShaping): Promise<Result<{ link: LinkStatus }>> {
    return this.links.setShaping(link, shaping);
  }

  /** Starts capturing a link of the running lab into a pcap in its directory. */
  captureStart(link: string): Promise<Result<{ link: LinkStatus; file: string }>> {
    return this.links.captureStart(link);
  }

  /** The packets of a link's running or last capture, decoded by tshark. */
  capturePackets(link: string, filter: string, after: number): Promise<Result<EngineResponses['capturePackets']>> {
    return this.links.packets(link, filter, after);
  }

  /** The pcap of a link's (or bridge's) running or last capture, as this engine wrote it. */
  captureFile(link: string): Result<{ file: string | null }> {
    return this.links.captureFile(link);
  }

  /** Stops a capture; the pcap stays. */
  captureStop(link: string): Promise<Result<{ link: LinkStatus; file: string }>> {
    return this.links.captureStop(link);
  }

  // ------------------------------------------------------------------------------------------ the lab's network

  /**
   * argv that runs `argv` in the lab's network: inside its user namespace through the holder (isolation userns),
   * under `ip netns exec` (netns, which takes root as the lab did), or as given (host). Null while a rootless lab
   * holds no namespace (not launched yet, or stopped): nothing of the lab then exists to act on. Engine code that
   * runs a tool on the lab's links or bridges (tc, tcpdump) uses this, never the host's namespace.
   */
  inLab(argv: readonly string[]): string[] | null {
    const { plan } = this.options;
    if (plan.target.isolation === 'userns') return this.holder ? enterArgv(this.holder.pid, argv) : null;
    return plan.netns !== null ? ['ip', 'netns', 'exec', plan.netns, ...argv] : [...argv];
  }

  /** Runs a short command to completion in the lab's network (as `inLab` places it), with the lab's environment. */
  runInLab(argv: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
    const entered = this.inLab(argv);
    if (entered === null)
      return Promise.resolve({
        ok: false,
        code: null,
        signal: null,
        stdout: '',
        stderr: `lab ${this.lab} holds no namespace now (${this.current}): ${argv.join(' ')} was not run`,
      });
    return runCommand(entered, { ...options, env: this.env });
  }

  // ------------------------------------------------------------------------------------------ one guest

  /**
   * Starts, stops or restarts one guest of the running lab; the other processes keep running. A guest's peers see
   * it go and come back as a cable would (a stream or socket client of QEMU 7.2 does not reconnect by itself).
   */
  controlVm(vm: string, action: VmAction): Promise<Result<{ vm: string; state: VmState }>> {
    const entry = this.vmEntry(vm);
    const node = entry?.node ?? this.switchNode(vm);
    if (node === undefined) return Promise.resolve(this.noVm(vm));
    if (this.current !== 'running')
      return Promise.resolve({
        ok: false,
        error: { code: 'NOT_RUNNING', message: `lab ${this.lab} is not running (${this.current})` },
      });
    // One action per node at a time: a second waits for the first, then acts on what it left.
    const previous = this.vmActions.get(node) ?? Promise.resolve();
    const next = previous.then(() =>
      entry ? this.runVmAction(entry, action) : this.runSwitchAction(node, vm, action),
    );
    this.vmActions.set(
      node,
      next.then(() => undefined),
    );
    return next;
  }

  /** The node of a VDE switch `id`, when the lab runs one. */
  private switchNode(id: string): string | undefined {
    return this.options.plan.processes.find((p) => p.kind === 'vde_switch' && p.node === id)?.node;
  }

  /**
   * Stops, starts or restarts a VDE switch node: its vde_switch, and the slirpvde that plugs into it (stopped
   * first, started after). The guests plugged into it keep running, but QEMU's vde netdev does not reconnect to a
   * restarted switch: they are named in the log, to restart.
   */
  private async runSwitchAction(
    node: string,
    name: string,
    action: VmAction,
  ): Promise<Result<{ vm: string; state: VmState }>> {
    const procs = this.options.plan.processes.filter(
      (p) => p.node === node && (p.kind === 'vde_switch' || p.kind === 'slirpvde'),
    );
    const sw = procs.find((p) => p.kind === 'vde_switch');
    if (!sw) return this.noVm(name);
    const isUp = (id: string) => {
      const st = this.supervisors.get(id)?.state;
      return st === 'starting' || st === 'running';
    };
    const stateOf = (): VmState => this.switches.get(node) ?? { state: 'stopped' };
    const up = isUp(sw.id);
    if (action === 'start' && up && procs.every((p) => isUp(p.id))) return { ok: true, vm: node, state: stateOf() };
    if (action !== 'start') {
      // Newest first: slirpvde before the switch it is plugged into.
      for (const p of [...procs].reverse()) {
        const sup = this.supervisors.get(p.id);
        if (!sup || !isUp(p.id)) continue;
        const about = { process: { id: p.id, kind: p.kind } };
        this.log.add('info', 'process', `stopping ${p.kind} ${p.id} (${action})`, about);
        const r = await sup.stop();
        if (!r.ok && r.error.code !== 'NOT_STARTED')
          return { ok: false, error: { code: 'PROCESS_FAILED', message: `${node} did not stop: ${r.error.message}` } };
        if (p.kind === 'vde_switch') this.setSwitch(node, { state: 'stopped' });
        this.log.add('info', 'process', `${p.kind} ${p.id} stopped`, about);
      }
      if (action === 'stop') return { ok: true, vm: node, state: stateOf() };
    }
    if (this.current !== 'running')
      return { ok: false, error: { code: 'NOT_RUNNING', message: `lab ${this.lab} is not running (${this.current})` } };
    for (const p of procs) {
      if (isUp(p.id)) continue;
      await this.supervisors.get(p.id)?.dispose();
      const started = await this.startOne(p);
      this.startFailure = null;
      if (!started)
        return {
          ok: false,
          error: {
            code: 'PROCESS_FAILED',
            message: `${node} did not start: ${this.supervisors.get(p.id)?.stderrTail().trim().split('\n').pop() ?? ''}`,
          },
        };
    }
    const plugged = this.options.plan.processes.filter((p) => p.kind === 'vm' && p.dependsOn.includes(sw.id));
    if (plugged.length > 0)
      this.log.add(
        'warn',
        'process',
        `${node} was restarted: ${plugged.map((p) => p.node).join(', ')} must be restarted to plug into it again (QEMU's vde netdev does not reconnect)`,
      );
    return { ok: true, vm: node, state: stateOf() };
  }

  private async runVmAction(entry: VmEntry, action: VmAction): Promise<Result<{ vm: string; state: VmState }>> {
    const p = this.options.plan.processes.find((x) => isGuest(x) && x.node === entry.node);
    if (!p) return this.noVm(entry.node);
    const sup = this.supervisors.get(p.id);
    const up = sup !== undefined && (sup.state === 'starting' || sup.state === 'running');
    if (action === 'start' && up) return { ok: true, vm: entry.name, state: entry.state };
    if (action === 'stop' && !up) {
      if (entry.state.state !== 'crashed') this.setVm(entry, { state: 'stopped' });
      return { ok: true, vm: entry.name, state: entry.state };
    }
    const about = { process: { id: p.id, kind: p.kind } };
    if (up && (action === 'stop' || action === 'restart')) {
      this.log.add('info', 'process', `stopping ${p.kind} ${p.id} (${action})`, about);
      const r = await sup.stop();
      entry.console.detach();
      if (!r.ok && r.error.code !== 'NOT_STARTED')
        return {
          ok: false,
          error: { code: 'PROCESS_FAILED', message: `${entry.name} did not stop: ${r.error.message}` },
        };
      this.setVm(entry, { state: 'stopped' });
      this.log.add('info', 'process', `${p.kind} ${p.id} stopped`, about);
      if (action === 'stop') return { ok: true, vm: entry.name, state: entry.state };
    }
    if (this.current !== 'running')
      return { ok: false, error: { code: 'NOT_RUNNING', message: `lab ${this.lab} is not running (${this.current})` } };
    await sup?.dispose();
    const started = await this.startOne(p);
    // A guest started on its own is no failure of the lab's launch.
    this.startFailure = null;
    if (!started) {
      const tail = entry.state.state === 'crashed' ? entry.state.stderrTail.trim().split('\n').pop() : undefined;
      return {
        ok: false,
        error: { code: 'PROCESS_FAILED', message: `${entry.name} did not start${tail ? `: ${tail}` : ''}` },
      };
    }
    await this.links.reapply(entry.node);
    return { ok: true, vm: entry.name, state: entry.state };
  }

  // ------------------------------------------------------------------------------------------ snapshots

  /**
   * Saves, loads or deletes every guest's state under `name`, or lists the lab's snapshots; one at a time, and never beside
   * an action on a single guest.
   */
  snapshot(action: SnapshotAction, name: string): Promise<Result<{ snapshots: readonly LabSnapshot[] }>> {
    if (this.current !== 'running')
      return Promise.resolve({
        ok: false,
        error: { code: 'NOT_RUNNING', message: `lab ${this.lab} is not running (${this.current})` },
      });
    const run = this.snapshotting.then(() => this.runSnapshot(action, name));
    this.snapshotting = run.then(() => undefined);
    return run;
  }

  private async runSnapshot(
    action: SnapshotAction,
    name: string,
  ): Promise<Result<{ snapshots: readonly LabSnapshot[] }>> {
    await Promise.all(this.vmActions.values());
    const { plan } = this.options;
    const guests = plan.vms.map((vm) => {
      const p = plan.processes.find((x) => x.kind === 'vm' && x.node === vm.node);
      const sup = p ? this.supervisors.get(p.id) : undefined;
      return { vm, qmp: sup?.state === 'running' ? sup.qmp : null };
    });
    if (action !== 'list') {
      const [doing, done, run] = SNAPSHOT_STEPS[action];
      this.log.add('info', 'lab', `${doing} snapshot ${name} of every guest`);
      const outcome = await run(guests, name);
      if (!outcome.ok) {
        const message = `snapshot ${name} not ${done}: ${outcome.message}`;
        this.log.add('error', 'lab', message);
        return { ok: false, error: { code: 'SNAPSHOT_FAILED', message } };
      }
      this.log.add('info', 'lab', `snapshot ${name} ${done}`);
    }
    const list = await listSnapshots(guests);
    if (!list.ok) return { ok: false, error: { code: 'SNAPSHOT_FAILED', message: list.message } };
    return { ok: true, snapshots: list.value };
  }

  private noVm(vm: string): { ok: false; error: ApiError } {
    return { ok: false, error: { code: 'VM_NOT_FOUND', message: `lab ${this.lab} has no guest ${vm}` } };
  }

  // ------------------------------------------------------------------------------------------ launch

  private async runLaunch(): Promise<Result<{ status: LabStatus }>> {
    const { plan } = this.options;
    this.setState('preflight');
    // Nothing is read from or written to the lab's directory before it is known to be the user's alone.
    const dir = ensureLabDir(plan.stateDir);
    if (!dir.ok) {
      const problem = stateDirProblem(dir.message);
      this.emit({ type: 'preflight', lab: this.lab, problems: [problem] });
      this.log.add('error', 'preflight', problem.message);
      return this.fail({ code: 'PREFLIGHT_FAILED', message: problem.message, diagnostics: [problem] });
    }
    await this.recoverStale();
    const problems = await this.check(true);
    this.emit({ type: 'preflight', lab: this.lab, problems });
    for (const p of problems.filter((d) => d.severity !== 'error'))
      this.log.add(p.severity === 'warning' ? 'warn' : 'info', 'preflight', p.message);
    const errors = problems.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      for (const e of errors) this.log.add('error', 'preflight', e.message);
      return this.fail({
        code: 'PREFLIGHT_FAILED',
        message: errors.map((e) => e.message).join('\n'),
        diagnostics: errors,
      });
    }
    if (this.abortLaunch) return this.fail({ code: 'INVALID_REQUEST', message: 'stopped before it started' });

    this.setState('starting');
    const opened = Journal.open(plan.stateDir, { lab: plan.lab, netns: plan.netns });
    if (!opened.ok) return this.fail({ code: 'INTERNAL', message: opened.error.message });
    this.journal = opened.journal;
    this.escalation = chooseEscalation(
      this.uid,
      this.uid !== 0 &&
        planNeedsRoot(plan) &&
        (this.options.preflightEnv?.passwordlessSudo ?? hasPasswordlessSudo(this.env)),
      this.env,
    );

    if (plan.target.isolation === 'userns') {
      const made = await this.makeNamespace(this.journal);
      if (made !== null) {
        this.log.add('error', 'step', made);
        await this.teardown();
        return this.fail({ code: 'STEP_FAILED', message: made });
      }
    }

    const steps = await runHostSteps(plan.hostSteps, {
      journal: this.journal,
      netns: plan.netns,
      ...this.enter(),
      escalation: this.escalation,
      env: this.env,
      onStep: (e) => this.onStep(e),
    });
    this.doneSteps = [...steps.done];
    if (!steps.ok) {
      this.log.add('error', 'step', steps.message);
      if (steps.unfinished) this.log.add('warn', 'step', unfinishedMessage(steps.unfinished, plan.netns));
      this.log.add('info', 'lab', 'rolling back the host steps done so far');
      await this.teardown();
      return this.fail({ code: 'STEP_FAILED', message: steps.message });
    }

    const cloned = await makeOverlays(plan, this.env, (m) => this.log.add('info', 'process', m));
    if (cloned !== null) {
      this.log.add('error', 'process', cloned);
      await this.teardown();
      return this.fail({ code: 'PROCESS_FAILED', message: cloned });
    }
    const unbound = await this.openConsolePorts();
    if (unbound !== null) {
      this.log.add('error', 'process', unbound);
      await this.teardown();
      return this.fail({ code: 'PROCESS_FAILED', message: unbound });
    }
    const started = await this.startProcesses();
    if (!started || this.abortLaunch) {
      const message = this.startFailure ?? 'stopped while starting';
      this.log.add('error', 'process', message);
      await this.teardown();
      return this.fail({ code: this.startFailure ? 'PROCESS_FAILED' : 'INVALID_REQUEST', message });
    }
    this.setState('running');
    this.log.add('info', 'lab', `lab ${this.lab} is running`);
    return { ok: true, status: this.status() };
  }

  /** Opens every guest's console TCP port (before the guests start, so a taken port starts nothing); null, or why not. */
  private async openConsolePorts(): Promise<string | null> {
    for (const vm of this.vms.values()) {
      if (!vm.consolePort) continue;
      const failed = await vm.consolePort.open();
      if (failed !== null) return `${vm.name}: ${failed}`;
      this.log.add('info', 'process', `console of ${vm.name} on ${CONSOLE_HOST}:${vm.consolePort.port}`);
    }
    return null;
  }

  /**
   * How steps and processes enter the lab's user namespace, when it has one: through nsenter, or (a process that
   * joins it itself, pasta) by the holder's pid as its last argument.
   */
  private enter(p?: ProcessPlan): { enter?: (argv: readonly string[]) => string[] } {
    const holder = this.holder;
    if (!holder) return {};
    return p?.joinsLab
      ? { enter: (argv) => [...argv, ...joinHolderWords(holder.pid, process.getuid?.() === 0)] }
      : { enter: (argv) => enterArgv(holder.pid, argv) };
  }

  /**
   * Starts the holder of the lab's user + network namespace at its gate, journals it (pid and namespace), then lets
   * it through: an engine killed before the journal has it leaves no holder. null when it runs, else why not. Its
   * end, whoever ends it, takes the lab down.
   */
  private async makeNamespace(journal: Journal): Promise<string | null> {
    const started = await startHolder(this.env);
    if (!started.ok) return started.message;
    const { holder } = started;
    const recorded = journal.holder(holder.pid, holder.net);
    this.holder = holder;
    if (!recorded.ok) return recorded.error.message;
    const released = await started.release();
    if (released !== null) return released;
    this.log.add('info', 'step', `the lab's user and network namespace is held by pid ${holder.pid} (${holder.net})`);
    started.onExit(() => this.onHolderExit(holder));
    return null;
  }

  /** The holder ended while the lab held it: its guests lost their network, so the lab goes down and says why. */
  private onHolderExit(holder: Holder): void {
    if (this.holder !== holder || this.current === 'stopping') return;
    const why = `the lab's namespace holder (pid ${holder.pid}) ended: the lab's network is gone, so the lab is stopped`;
    if (this.current === 'starting') {
      this.startFailure ??= why;
      this.abortLaunch = true;
      return;
    }
    if (this.current !== 'running') return;
    this.lost = why;
    this.log.add('error', 'lab', why);
    void this.stop();
  }

  /** A journal with nothing alive behind it was left by an engine that died: clean up after it first. */
  private async recoverStale(): Promise<void> {
    const path = join(this.options.plan.stateDir, JOURNAL_FILE);
    if (!existsSync(path)) return;
    const read = readJournal(path);
    if (!read.ok) return;
    if (journaledProcesses(read.records).some((p) => p.pid !== null && isOurProcess(p.pid, p.argv))) return; // preflight reports it
    this.log.add('warn', 'recovery', `lab ${this.lab} was not stopped cleanly last time: recovering from its journal`);
    const r = await recoverLab(this.options.plan.stateDir, { env: this.env });
    for (const f of r.failures) this.log.add('error', 'recovery', `recovery: ${f}`);
  }

  private fail(error: ApiError): { ok: false; error: ApiError } {
    this.error = error;
    this.setState('failed', error);
    return { ok: false, error };
  }

  /** A step's progress: live as a `step` event, and kept in the log (with the step) for a page that opens later. */
  private onStep(e: StepProgress): void {
    this.emit({ type: 'step', lab: this.lab, ...e });
    const n = `${e.index + 1}/${e.total}`;
    const failed = e.status === 'failed' || e.status === 'undo-failed';
    const message =
      e.status === 'running'
        ? `${n}: ${e.description}`
        : e.status === 'undoing'
          ? `undo ${n}: ${e.description}`
          : `${n} ${e.status}: ${e.description}${failed ? `: ${e.detail ?? ''}` : ''}`;
    this.log.add(failed ? 'error' : 'info', 'step', message, { step: e });
  }

  /** Starts every process once all it depends on is ready; false (after all settled) when one failed. */
  private async startProcesses(): Promise<boolean> {
    const { plan } = this.options;
    const byId = new Map(plan.processes.map((p) => [p.id, p]));
    const ready = new Map<string, Promise<boolean>>();
    const start = (p: ProcessPlan): Promise<boolean> => {
      const known = ready.get(p.id);
      if (known) return known;
      const run = (async () => {
        const deps = await Promise.all(
          p.dependsOn.map((d) => (byId.has(d) ? start(byId.get(d) as ProcessPlan) : Promise.resolve(true))),
        );
        if (!deps.every(Boolean) || this.startFailure !== null || this.abortLaunch) return false;
        return this.startOne(p);
      })();
      ready.set(p.id, run);
      return run;
    };
    const results = await Promise.all(plan.processes.map(start));
    return results.every(Boolean);
  }

  private async startOne(p: ProcessPlan): Promise<boolean> {
    const { plan } = this.options;
    const sup = new ProcessSupervisor({
      plan: p,
      // One that joins the lab's namespace itself (pasta) starts on the host.
      netns: p.joinsLab ? null : plan.netns,
      ...this.enter(p),
      journal: this.journal ?? undefined,
      env: p.env ? { ...this.env, ...p.env } : this.env,
      stopTimeouts: { ...LAB_STOP_TIMEOUTS, ...this.options.stopTimeouts },
      readyTimeoutMs: this.options.readyTimeoutMs ?? 30_000,
    });
    this.supervisors.set(p.id, sup);
    const vm = isGuest(p) ? this.vms.get(p.node) : undefined;
    const sw = p.kind === 'vde_switch' ? p.node : undefined;
    sup.subscribe((e) => {
      if (e.type === 'exit' && e.exit.during === 'run') this.onCrash(p, e.exit);
    });
    if (vm) {
      this.setVm(vm, { state: 'starting' });
      // QEMU drops serial output while no client is connected: be connecting before it starts.
      vm.console.attach(() => sup.state === 'starting' || sup.state === 'running');
    }
    if (sw !== undefined) this.setSwitch(sw, { state: 'starting' });
    const about = { process: { id: p.id, kind: p.kind } };
    this.log.add('info', 'process', `starting ${p.kind} ${p.id}`, about);
    const r = await sup.start();
    if (r.ok) {
      this.log.add('info', 'process', `${p.kind} ${p.id} is up (pid ${r.pid})`, about);
      if (vm) this.setVm(vm, { state: 'running', pid: r.pid });
      if (sw !== undefined) this.setSwitch(sw, { state: 'running', pid: r.pid });
      return true;
    }
    const tail = r.error.exit?.stderrTail.trim() ?? sup.stderrTail().trim();
    this.startFailure ??= `${p.kind} ${p.id} failed to start: ${r.error.message}${tail ? `\n${tail}` : ''}`;
    const exit = r.error.exit;
    const ended: VmState = exit
      ? { state: 'crashed', exit: { code: exit.code, signal: exit.signal }, stderrTail: exit.stderrTail }
      : { state: 'stopped' };
    if (vm) this.setVm(vm, ended);
    if (sw !== undefined) this.setSwitch(sw, ended);
    return false;
  }

  /** A process ended on its own while the lab ran: report it; the others keep running. */
  private onCrash(p: ProcessPlan, exit: ProcessExit): void {
    const how = describeExit(exit);
    this.log.add(
      'error',
      'exit',
      `${p.kind} ${p.id} ended unexpectedly (${how})${exit.stderrTail.trim() ? `: ${exit.stderrTail.trim().split('\n').pop()}` : ''}`,
      { process: { id: p.id, kind: p.kind } },
    );
    const vm = isGuest(p) ? this.vms.get(p.node) : undefined;
    const crashed: VmState = {
      state: 'crashed',
      exit: { code: exit.code, signal: exit.signal },
      stderrTail: exit.stderrTail,
    };
    if (vm) this.setVm(vm, crashed);
    if (p.kind === 'vde_switch') this.setSwitch(p.node, crashed);
  }

  // ------------------------------------------------------------------------------------------ stop

  private async runStop(): Promise<Result> {
    if (this.current === 'preflight' || this.current === 'starting') {
      this.abortLaunch = true;
      await this.launching;
    }
    if (this.current !== 'running') {
      this.stopping = null; // nothing held: a later stop may be asked again
      return { ok: true };
    }
    this.setState('stopping');
    this.log.add('info', 'lab', `stopping lab ${this.lab}`);
    await this.links.stopCaptures();
    const released = await this.links.releaseShaping();
    const failures = [...released, ...(await this.teardown())];
    this.links.reset();
    if (this.lost !== null) {
      const message = failures.length > 0 ? `${this.lost}; teardown incomplete: ${failures.join('; ')}` : this.lost;
      this.lost = null;
      return this.fail({ code: 'PROCESS_FAILED', message });
    }
    if (failures.length > 0) {
      return this.fail({
        code: 'INTERNAL',
        message: `teardown incomplete: ${failures.join('; ')}; run qnet down ${this.lab} once the cause is fixed`,
      });
    }
    this.setState('stopped');
    this.log.add('info', 'lab', `lab ${this.lab} stopped`);
    return { ok: true };
  }

  /** Guests in parallel, then the other processes newest first, then undos, runtime files and the journal. */
  private async teardown(): Promise<string[]> {
    const failures: string[] = [];
    const sups = [...this.supervisors.values()];
    const stopAll = async (list: ProcessSupervisor[]) => {
      for (const r of await Promise.all(list.map((s) => s.stop())))
        if (!r.ok && r.error.code !== 'NOT_STARTED') failures.push(r.error.message);
    };
    const guest = (s: ProcessSupervisor) => isGuest(this.options.plan.processes.find((p) => p.id === s.id));
    await stopAll(sups.filter(guest));
    for (const s of sups.filter((x) => !guest(x)).reverse()) await stopAll([s]);
    for (const vm of this.vms.values()) {
      await vm.consolePort?.close();
      vm.console.detach();
      if (vm.state.state !== 'crashed') this.setVm(vm, { state: 'stopped' });
    }
    for (const [node, state] of this.switches)
      if (state.state !== 'crashed') this.setSwitch(node, { state: 'stopped' });
    const journal = this.journal;
    if (journal === null) return failures;
    const steps = this.options.plan.hostSteps;
    const items: UndoItem[] = [...this.doneSteps].reverse().flatMap((s) =>
      s.undo === null
        ? []
        : [
            {
              step: s.id,
              description: s.description,
              undo: s.undo,
              needsRoot: s.needsRoot,
              netns: s.inNetns ? this.options.plan.netns : null,
              index: steps.indexOf(s),
              total: steps.length,
            },
          ],
    );
    const undo = await undoHostSteps(items, {
      journal,
      netns: this.options.plan.netns,
      ...this.enter(),
      escalation: this.escalation ?? { kind: 'root' },
      env: this.env,
      onStep: (e) => this.onStep(e),
    });
    failures.push(...undo.failures);
    this.doneSteps = [];
    // Last: the namespace, with whatever the steps made in it, ends with its holder.
    const holder = this.holder;
    this.holder = null;
    if (holder !== null && !(await endHolder(holder)))
      failures.push(`the namespace holder (pid ${holder.pid}) did not end`);
    if (failures.length === 0) {
      removeRuntimeFiles(this.options.plan);
      journal.remove();
    } else journal.close();
    this.journal = null;
    return failures;
  }

  // ------------------------------------------------------------------------------------------ events

  private setState(state: LabState, error?: ApiError): void {
    this.current = state;
    if (state !== 'failed') this.error = undefined;
    this.emit({ type: 'labState', lab: this.lab, state, ...(error ? { error } : {}) });
  }

  private setVm(vm: VmEntry, given: VmState): void {
    if (given.state === 'starting') vm.reported = undefined;
    const state: VmState = given.state === 'running' && vm.reported ? { ...given, addresses: vm.reported } : given;
    vm.state = state;
    this.emit({ type: 'vmState', lab: this.lab, vm: vm.name, state });
  }

  private setSwitch(node: string, state: VmState): void {
    this.switches.set(node, state);
    this.emit({ type: 'switchState', lab: this.lab, node, state });
  }

  private emit(event: EngineEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not break the lab.
      }
    }
  }
}
