/**
 * Supervises one ProcessPlan: spawn (argv array, no shell; inside the lab's namespace when it has one), readiness,
 * exit and crash reports with the tail of its log, and the stop sequence. Output goes straight from the child to its
 * log file (not through pipes), so a process never dies of EPIPE because the engine went away; the journal lets
 * recovery find it then.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, rmSync } from 'node:fs';
import type { ProcessPlan } from '../../shared/compiler/plan';
import type { Journal } from './journal';
import { QmpClient } from './qmp';
import { openOwnFile } from './state-dir';
import { pause } from './unix-socket';
import { processesRunning } from './proc';

/** Bytes of the log kept as the stderr tail of an exit report. */
export const STDERR_TAIL_BYTES = 8 * 1024;

/** How long a failed readiness check waits for the exit status of a process that is probably dying. */
const EXIT_GRACE_MS = 2_000;

export interface StopTimeouts {
  /** After `system_powerdown`, how long the guest gets to power off. */
  readonly powerdownMs: number;
  readonly quitMs: number;
  readonly termMs: number;
  readonly killMs: number;
}

const DEFAULT_STOP_TIMEOUTS: StopTimeouts = { powerdownMs: 10_000, quitMs: 3_000, termMs: 3_000, killMs: 3_000 };

export interface SupervisorOptions {
  readonly plan: ProcessPlan;
  /** The lab's network namespace (LabPlan.netns): the process runs under `ip netns exec NS`. */
  readonly netns: string | null;
  /** How the process enters the lab's user namespace (isolation userns: through its holder), instead of netns. */
  readonly enter?: (argv: readonly string[]) => string[];
  readonly readyTimeoutMs?: number;
  readonly qmpCommandTimeoutMs?: number;
  readonly stopTimeouts?: Partial<StopTimeouts>;
  /** When given, the process is recorded before spawn, with its pid after, and when it is gone. */
  readonly journal?: Journal;
  readonly env?: NodeJS.ProcessEnv;
}

export type SupervisorState = 'idle' | 'starting' | 'running' | 'stopping' | 'exited';

/** How a supervised process ended. `crashed`: it ended on its own with a signal or a non-zero code. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly crashed: boolean;
  readonly during: 'start' | 'run' | 'stop';
  readonly stderrTail: string;
}

export type SupervisorEvent =
  { readonly type: 'state'; readonly state: SupervisorState } | { readonly type: 'exit'; readonly exit: ProcessExit };

export type SupervisorErrorCode =
  | 'ALREADY_STARTED'
  | 'NOT_STARTED'
  | 'SPAWN_FAILED'
  | 'EXITED_BEFORE_READY'
  | 'NOT_READY'
  | 'JOURNAL_IO'
  | 'STILL_RUNNING';

export interface SupervisorError {
  readonly code: SupervisorErrorCode;
  readonly message: string;
  readonly exit?: ProcessExit;
}

export type StartResult =
  { readonly ok: true; readonly pid: number } | { readonly ok: false; readonly error: SupervisorError };

/** Which step of the stop sequence ended the process. */
export type StoppedBy = 'already-exited' | 'powerdown' | 'quit' | 'term' | 'kill';

export type StopResult =
  | { readonly ok: true; readonly by: StoppedBy; readonly exit: ProcessExit }
  | { readonly ok: false; readonly error: SupervisorError };

export class ProcessSupervisor {
  private child: ChildProcess | null = null;
  private current: SupervisorState = 'idle';
  private exitInfo: ProcessExit | null = null;
  private logStart = 0;
  /** What was at the readiness path before the spawn (inode and change time), or null. */
  private readyBefore: string | null = null;
  private client: QmpClient | null = null;
  private stopping: Promise<StopResult> | null = null;
  private readonly readyAbort = new AbortController();
  private readonly exitWaiters = new Set<() => void>();
  private readonly listeners = new Set<(event: SupervisorEvent) => void>();
  private readonly timeouts: StopTimeouts;

  constructor(private readonly options: SupervisorOptions) {
    this.timeouts = { ...DEFAULT_STOP_TIMEOUTS, ...options.stopTimeouts };
  }

  get id(): string {
    return this.options.plan.id;
  }

  get state(): SupervisorState {
    return this.current;
  }

  /** The pid, once spawned. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** How the process ended, once it has. */
  get exit(): ProcessExit | null {
    return this.exitInfo;
  }

  /** The QMP session used for readiness (guests only), kept open for the engine's commands. */
  get qmp(): QmpClient | null {
    return this.client;
  }

  /** Calls `listener` with state changes and the exit report until the returned function is called. */
  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Spawns the process and waits until it is ready; on failure nothing of it is left running. */
  async start(): Promise<StartResult> {
    if (this.current !== 'idle')
      return { ok: false, error: { code: 'ALREADY_STARTED', message: `${this.id} was already started` } };
    const { plan, netns, journal, enter } = this.options;
    this.setState('starting');
    const argv = enter
      ? enter(plan.argv)
      : netns === null
        ? [...plan.argv]
        : ['ip', 'netns', 'exec', netns, ...plan.argv];
    // A file already at the readiness path (a stale socket, or another switch's live one) must not pass for ours:
    // ready means a new file there. Nothing is deleted: that path may not be the lab's (a VDE switch's `sock:`).
    this.readyBefore = plan.ready.type === 'path' ? fileIdentity(plan.ready.path) : null;
    const recorded = journal?.spawning(plan.id, argv, plan.pidfile ?? null);
    if (recorded && !recorded.ok) return this.failStart('JOURNAL_IO', recorded.error.message);

    let logFd: number;
    try {
      // In the lab's checked directory; never through a symlink, never a file that is not the user's.
      logFd = openOwnFile(plan.stderrLog);
      this.logStart = fstatSync(logFd).size;
    } catch (err) {
      return this.failStart('SPAWN_FAILED', `cannot open the log: ${(err as Error).message}`);
    }
    const spawned = await this.spawnChild(argv, logFd);
    closeSync(logFd);
    if (!spawned.ok) return spawned;
    const pid = spawned.pid;
    const started = journal?.started(plan.id, pid);
    if (started && !started.ok) {
      await this.stop();
      return this.failStart('JOURNAL_IO', started.error.message);
    }

    const ready = await this.waitReady();
    if (ready === null) {
      if ((this.current as SupervisorState) === 'starting') this.setState('running');
      return { ok: true, pid };
    }
    // A QMP socket that closes before the greeting usually means QEMU is exiting: let its exit status arrive.
    if (!this.exitInfo && !this.stopping && !ready.timedOut) await this.waitExit(EXIT_GRACE_MS);
    if (this.exitInfo) {
      return {
        ok: false,
        error: {
          code: 'EXITED_BEFORE_READY',
          message: `${this.id} exited before it was ready: ${describeExit(this.exitInfo)}`,
          exit: this.exitInfo,
        },
      };
    }
    if (this.stopping)
      return { ok: false, error: { code: 'NOT_READY', message: `${this.id} was stopped before it was ready` } };
    await this.stop();
    return {
      ok: false,
      error: {
        code: 'NOT_READY',
        message: `${this.id} was not ready: ${ready.reason}`,
        ...(this.exitInfo ? { exit: this.exitInfo } : {}),
      },
    };
  }

  /**
   * Stops the process: guests get `system_powerdown`, then `quit`, then SIGTERM, then SIGKILL; other processes
   * SIGTERM then SIGKILL; each step waits its timeout for the exit. Calling it again returns the same outcome.
   */
  stop(): Promise<StopResult> {
    if (this.stopping) return this.stopping;
    this.stopping = this.runStop();
    return this.stopping;
  }

  /** Stops the process if it runs and releases everything (QMP session, stdin, listeners). */
  async dispose(): Promise<void> {
    if (this.child !== null) await this.stop();
    this.client?.close();
    this.child?.stdin?.destroy();
    this.listeners.clear();
  }

  /** The last bytes (at most 8 KiB) the process wrote to its log since it was spawned. */
  stderrTail(): string {
    try {
      const fd = openSync(
        this.options.plan.stderrLog,
        constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
      );
      try {
        const size = fstatSync(fd).size;
        const from = Math.max(this.logStart, size - STDERR_TAIL_BYTES);
        const buf = Buffer.alloc(Math.max(0, size - from));
        readSync(fd, buf, 0, buf.length, from);
        return buf.toString('utf8');
      } finally {
        closeSync(fd);
      }
    } catch {
      return '';
    }
  }

  private spawnChild(argv: string[], logFd: number): Promise<StartResult> {
    const { plan, env } = this.options;
    return new Promise((resolve) => {
      let child: ChildProcess;
      let stdinFd: number | null = null;
      try {
        // holdStdin: stdin is a FIFO the child holds open read-write itself (as up.sh's `<>fifo`), so it never
        // reads EOF, not even when the engine dies: the lab outlives its engine and recovery stops it.
        // A console's FIFO stays where the engine writes the guest's input (plan.console.input).
        if (plan.holdStdin)
          stdinFd = openHeldStdin(plan.console?.input ?? `${plan.stderrLog}.stdin`, plan.console !== undefined);
        // detached: its own process group, so a Ctrl-C at the engine's terminal reaches the engine, which stops
        // the lab in order, and not every guest at once.
        child = spawn(argv[0] ?? '', argv.slice(1), {
          stdio: [stdinFd ?? 'ignore', logFd, logFd],
          detached: true,
          env: env ?? process.env,
        });
      } catch (err) {
        resolve(this.failStart('SPAWN_FAILED', `cannot run ${argv[0]}: ${(err as Error).message}`));
        return;
      } finally {
        if (stdinFd !== null) closeSync(stdinFd);
      }
      child.stdin?.on('error', () => {}); // EPIPE once the child has exited
      child.once('error', (err) => {
        if (child.pid === undefined) resolve(this.failStart('SPAWN_FAILED', `cannot run ${argv[0]}: ${err.message}`));
      });
      child.once('exit', (code, signal) => this.onExit(code, signal));
      if (child.pid !== undefined) {
        this.child = child;
        child.once('spawn', () => resolve({ ok: true, pid: child.pid as number }));
      }
    });
  }

  /** null when ready, else why not. */
  private async waitReady(): Promise<{ reason: string; timedOut: boolean } | null> {
    const { plan, readyTimeoutMs = 30_000, qmpCommandTimeoutMs = 5_000 } = this.options;
    const signal = this.readyAbort.signal;
    switch (plan.ready.type) {
      case 'none':
        return null;
      case 'qmp': {
        const r = await QmpClient.connect(plan.ready.socket, {
          deadlineMs: readyTimeoutMs,
          commandTimeoutMs: qmpCommandTimeoutMs,
          signal,
        });
        if (!r.ok) return { reason: r.error.message, timedOut: r.error.code === 'CONNECT_TIMEOUT' };
        if (this.exitInfo || this.stopping) {
          r.value.close();
          return { reason: 'the process ended while QMP was negotiated', timedOut: false };
        }
        this.client = r.value;
        return null;
      }
      case 'path': {
        const until = Date.now() + readyTimeoutMs;
        while (fileIdentity(plan.ready.path) === null || fileIdentity(plan.ready.path) === this.readyBefore) {
          if (signal.aborted) return { reason: String(signal.reason), timedOut: false };
          if (Date.now() > until)
            return { reason: `${plan.ready.path} did not appear within ${readyTimeoutMs} ms`, timedOut: true };
          await pause(20, signal);
        }
        return null;
      }
    }
  }

  private async runStop(): Promise<StopResult> {
    if (this.exitInfo) return { ok: true, by: 'already-exited', exit: this.exitInfo };
    if (this.child === null)
      return { ok: false, error: { code: 'NOT_STARTED', message: `${this.id} was never spawned` } };
    this.readyAbort.abort('stopping');
    this.setState('stopping');
    const t = this.timeouts;
    const qmp = this.client;
    if (this.options.plan.kind === 'vm' && qmp && !qmp.closed) {
      const down = await qmp.execute('system_powerdown', undefined, { timeoutMs: Math.max(1, t.powerdownMs) });
      if (down.ok && (await this.waitExit(t.powerdownMs))) return this.stoppedBy('powerdown');
      if (this.exitInfo) return this.stoppedBy('powerdown');
      // quit's reply races with the socket closing: the exit is what counts.
      void qmp.execute('quit', undefined, { timeoutMs: Math.max(1, t.quitMs) });
      if (await this.waitExit(t.quitMs)) return this.stoppedBy('quit');
    }
    this.signal('SIGTERM');
    if (await this.waitExit(t.termMs)) return this.stoppedBy('term');
    this.signal('SIGKILL');
    if (await this.waitExit(t.killMs)) return this.stoppedBy('kill');
    return { ok: false, error: { code: 'STILL_RUNNING', message: `${this.id} (pid ${this.pid}) survived SIGKILL` } };
  }

  private stoppedBy(by: StoppedBy): StopResult {
    return { ok: true, by, exit: this.exitInfo as ProcessExit };
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.exitInfo) return;
    try {
      process.kill(pid, sig);
    } catch {
      // ESRCH: it is already gone; the exit event follows.
    }
  }

  /** Resolves true once the process has exited, false after `ms`. */
  private waitExit(ms: number): Promise<boolean> {
    if (this.exitInfo) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.exitWaiters.delete(done);
        resolve(this.exitInfo !== null);
      };
      const timer = setTimeout(done, ms);
      this.exitWaiters.add(done);
    });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    const during = this.stopping ? 'stop' : this.current === 'starting' ? 'start' : 'run';
    const crashed = during !== 'stop' && (signal !== null || code !== 0);
    this.exitInfo = { code, signal, crashed, during, stderrTail: this.stderrTail() };
    this.readyAbort.abort('the process exited');
    this.child?.stdin?.destroy();
    this.client?.close();
    const pid = this.child?.pid;
    if (pid !== undefined) this.options.journal?.exited(this.id, pid);
    // A UML instance's guest processes are forks of it (its exact argv, with the lab's directory in it): one can
    // outlive its kernel when it is stopped mid-boot, and is killed rather than left running.
    if (this.options.plan.kind === 'uml') {
      for (const stray of processesRunning(this.options.plan.argv)) {
        try {
          process.kill(stray, 'SIGKILL');
        } catch {
          // ESRCH: gone meanwhile.
        }
      }
    }
    this.setState('exited');
    this.emit({ type: 'exit', exit: this.exitInfo });
    for (const waiter of [...this.exitWaiters]) waiter();
  }

  private failStart(code: SupervisorErrorCode, message: string): StartResult {
    this.setState('exited');
    return { ok: false, error: { code, message } };
  }

  private setState(state: SupervisorState): void {
    if (this.current === state) return;
    this.current = state;
    this.emit({ type: 'state', state });
  }

  private emit(event: SupervisorEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not break supervision.
      }
    }
  }
}

/** Which file is at `path` (inode and change time, to the nanosecond), or null when there is none. */
function fileIdentity(path: string): string | null {
  try {
    const st = lstatSync(path, { bigint: true });
    return `${st.dev}:${st.ino}:${st.ctimeNs}`;
  } catch {
    return null;
  }
}

/** Opens a fresh FIFO read-write (which never blocks on Linux) and, unless `keep`, unlinks it: the fd alone keeps it. */
function openHeldStdin(path: string, keep: boolean): number {
  rmSync(path, { force: true });
  const r = spawnSync('mkfifo', ['-m', '600', '--', path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed: ${r.stderr?.toString().trim() || r.error?.message}`);
  try {
    return openSync(path, constants.O_RDWR | constants.O_NOFOLLOW);
  } finally {
    if (!keep) rmSync(path, { force: true });
  }
}

/** "exit code 1" / "killed by SIGKILL", for messages. */
export function describeExit(exit: Pick<ProcessExit, 'code' | 'signal'>): string {
  return exit.signal !== null ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}
