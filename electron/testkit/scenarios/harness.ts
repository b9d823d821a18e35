/**
 * Scenario harness: real labs of tiny guests run by the engine (createEngine), observed only through its API
 * (events, console subscriptions, console input). Every lab gets a unique name (so its network namespace cannot
 * clash with another suite running on the same machine) and a throwaway state directory; `leftovers()` lists what
 * a lab left behind (processes, namespace, socket files), and `cleanupAll()` removes it by pid and `ip netns del`
 * even when a test failed half-way.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineEvent, EngineRequest, LabStatus, LaunchOptions, ResponseOf, VmState } from '../../../shared/api';
import type { Diagnostic } from '../../../shared/diagnostics';
import { ConsoleFeed } from '../../../shared/console-feed';
import { labSlug, netnsName } from '../../../shared/compiler/index';
import { buildTinyGuest } from '../../guest/build';
import type { GuestArch } from '../../guest/arch';
import { parseReadyLine, type GuestReady } from '../../guest/ready';
import { leftoverSpecialFiles } from '../exportedLab';
import { deleteNetns, netnsExists } from '../netns';
import { killPids, processesMentioning } from '../procs';
import { createEngine, type Engine, type EngineOptions } from '../../engine/engine';
import { fileTrustStore } from '../../engine/trust';
import { cmdlineOf } from '../../engine/proc';
import { enterArgv, HOLDER_COMMAND, netnsOf } from '../../engine/userns';

const HERE = dirname(fileURLToPath(import.meta.url));
export const EXAMPLES = join(HERE, '../../../assets/examples');
export const FIXTURES = join(HERE, '../../engine/scenarios/fixtures');
export const BOOT_MS = 90_000;

/** Builds (or finds cached) tiny guests; call from a beforeAll with a long timeout. */
export async function buildGuests(arches: readonly GuestArch[] = ['x86_64']): Promise<void> {
  for (const arch of arches) await buildTinyGuest({ arch, log: () => {} });
}

/** The YAML of an example or fixture, renamed so the lab (and its namespace, state dir, MACs) is unique to this run. */
export function topologyText(
  file: string,
  opts: { rename?: string; replace?: readonly [RegExp | string, string][] } = {},
): { text: string; name: string; path: string } {
  const path = file.includes('/')
    ? file
    : existsSync(join(FIXTURES, file))
      ? join(FIXTURES, file)
      : join(EXAMPLES, file);
  let text = readFileSync(path, 'utf8');
  const orig = /^name:\s*(\S+)/m.exec(text)?.[1] ?? 'lab';
  const name = opts.rename ?? `${orig}-${randomBytes(2).toString('hex')}`;
  text = text.replace(/^name:.*$/m, `name: ${name}`);
  for (const [from, to] of opts.replace ?? []) text = text.replace(from, to);
  return { text, name, path };
}

/** Everything the suite started, so cleanup can find it after a failure. */
const tracked = {
  engines: new Set<{ dispose(): unknown }>(),
  dirs: new Set<string>(),
  netns: new Set<string>(),
  infraNetns: new Set<string>(),
  children: new Set<{ kill(): void; readonly exited: Promise<unknown> }>(),
  cleanups: [] as (() => unknown)[],
};

/** Registers an extra undo for cleanupAll (ACL restore, helper mode, a user, …); run newest first. */
export function onCleanup(fn: () => unknown): void {
  tracked.cleanups.push(fn);
}

/** A namespace to delete after the test; `infra` ones are the test's own (not reported as left behind). */
export function trackNetns(name: string, infra = false): void {
  (infra ? tracked.infraNetns : tracked.netns).add(name);
}

interface ConsoleState {
  text: string;
  /** Joins the subscription's backlog and the guest's console events (null until subscribed). */
  feed: ConsoleFeed | null;
  waiters: Set<() => void>;
}

export interface ScenarioEngine {
  readonly api: Engine;
  readonly stateBase: string;
  readonly events: EngineEvent[];
}

/** KVM hangs on the test machine; the scenarios run TCG without paying for the probe's test boot. */
export const NO_KVM = { usable: false, reason: 'the scenario suite runs guests under TCG' } as const;

/** An engine with a fresh state directory (or the one given), every event recorded. */
export function startEngine(
  stateBase: string = mkdtempSync(join(tmpdir(), 'qnsc-')),
  more: Pick<EngineOptions, 'qemu'> = {},
): ScenarioEngine {
  tracked.dirs.add(stateBase);
  const api = createEngine({
    defaults: { stateDir: stateBase },
    kvm: NO_KVM,
    trust: fileTrustStore(join(stateBase, 'config', 'trusted.json')),
    ...more,
  });
  tracked.engines.add(api);
  const events: EngineEvent[] = [];
  api.subscribe((e) => events.push(e));
  return { api, stateBase, events };
}

export class ScenarioLab {
  readonly consoles = new Map<string, ConsoleState>();
  readonly ready = new Map<string, GuestReady>();
  private marker = 0;
  private unsubscribe: () => void;

  constructor(
    readonly engine: ScenarioEngine,
    readonly lab: string,
    readonly status: LabStatus,
  ) {
    this.unsubscribe = engine.api.subscribe((e) => {
      if (e.type !== 'console' || e.lab !== lab) return;
      this.state(e.vm).feed?.event(e);
    });
  }

  get stateDir(): string {
    return this.status.stateDir;
  }
  get netns(): string | null {
    return this.status.netns;
  }
  get vms(): string[] {
    return this.status.vms.map((v) => v.vm);
  }

  private state(vm: string): ConsoleState {
    let s = this.consoles.get(vm);
    if (!s) {
      s = { text: '', feed: null, waiters: new Set() };
      this.consoles.set(vm, s);
    }
    return s;
  }

  /** Subscribes to every guest's console from its first byte. */
  async subscribeConsoles(): Promise<void> {
    for (const vm of this.vms) {
      const s = this.state(vm);
      const feed = (s.feed = new ConsoleFeed((chunk) => {
        s.text += chunk.data;
        for (const wake of [...s.waiters]) wake();
      }));
      const r = await this.engine.api.request({ type: 'consoleSubscribe', lab: this.lab, vm, fromSeq: 0 });
      if (!r.ok) throw new Error(`consoleSubscribe ${vm}: ${r.error.code}: ${r.error.message}`);
      feed.answer(r);
    }
  }

  /** Resolves with the first match of `pattern` in `vm`'s console output from offset `from`. */
  waitFor(vm: string, pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    const s = this.state(vm);
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(s.text.slice(from));
        if (!m) return;
        done();
        resolve(m);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${vm}: no ${pattern} within ${timeoutMs} ms; console tail:\n${s.text.slice(-1500)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        s.waiters.delete(check);
      };
      s.waiters.add(check);
      check();
    });
  }

  /** Waits for every guest's QNET-READY line and its shell prompt. */
  async waitReady(timeoutMs = BOOT_MS): Promise<Map<string, GuestReady>> {
    await Promise.all(
      this.vms.map(async (vm) => {
        const [line] = await this.waitFor(vm, /QNET-READY [^\r\n]*\r?\n/, timeoutMs);
        const parsed = parseReadyLine(line);
        if (!parsed) throw new Error(`${vm}: unparsable ready line ${line}`);
        this.ready.set(vm, parsed);
        // The shell starts after the ready line; a newline makes it print a fresh prompt we can wait for.
        const from = this.state(vm).text.length;
        await this.input(vm, '\n');
        await this.waitFor(vm, new RegExp(`${escapeRe(parsed.hostname)}:~# `), 30_000, from);
      }),
    );
    return this.ready;
  }

  async input(vm: string, data: string): Promise<void> {
    const r = await this.engine.api.request({ type: 'consoleInput', lab: this.lab, vm, data });
    if (!r.ok) throw new Error(`consoleInput ${vm}: ${r.error.code}: ${r.error.message}`);
  }

  /**
   * Types `command` into `vm`'s console followed by an end marker, waits for the marker, and checks the output
   * (everything after the echoed command line, before the marker) against `expect`. Returns the output.
   */
  async run(vm: string, command: string, expect: RegExp, timeoutMs = 30_000): Promise<string> {
    const n = ++this.marker;
    const s = this.state(vm);
    const from = s.text.length;
    // The echoed command shows `__do''ne_N__`; only the output of echo reads `__done_N__`.
    await this.input(vm, `${command}; echo __do''ne_${n}__\n`);
    const m = await this.waitFor(vm, new RegExp(`__done_${n}__`), timeoutMs, from);
    const region = s.text.slice(from, from + m.index);
    const nl = region.indexOf('\n');
    const output = nl >= 0 ? region.slice(nl + 1) : '';
    if (!expect.test(output)) {
      throw new Error(`${vm}: \`${command}\` printed no ${expect}:\n${output}`);
    }
    return output;
  }

  /** The latest vmState of each guest, from events. */
  vmStates(): Map<string, VmState> {
    const out = new Map<string, VmState>();
    for (const e of this.engine.events) if (e.type === 'vmState' && e.lab === this.lab) out.set(e.vm, e.state);
    return out;
  }

  async stop(): Promise<void> {
    const r = await this.engine.api.request({ type: 'stop', lab: this.lab });
    this.unsubscribe();
    if (!r.ok) throw new Error(`stop ${this.lab}: ${r.error.code}: ${r.error.message}`);
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface LaunchResult {
  readonly lab: ScenarioLab;
}

/**
 * The isolation the suite's labs get unless a test names one: rootless (userns), as a user's lab runs by default;
 * each lab is then in the user + network namespace the engine makes for it, never on the host network.
 */
export const SCENARIO_ISOLATION = 'userns' as const;

/**
 * The engine's answer to a launch of a topology (isolation SCENARIO_ISOLATION unless told otherwise), its namespace
 * tracked for cleanup; the test stands for the user, so a launch refused as UNTRUSTED is approved and sent again.
 */
export async function launchRequest(
  engine: ScenarioEngine,
  text: string,
  options: LaunchOptions & { path?: string } = {},
): Promise<ResponseOf<Extract<EngineRequest, { type: 'launch' }>>> {
  const { path, ...launch } = options;
  tracked.netns.add(netnsName(labSlug(/^name:\s*(\S+)/m.exec(text)?.[1] ?? '')));
  const request = (trust?: string) =>
    engine.api.request({
      type: 'launch',
      source: { kind: 'yaml', text, ...(path ? { path } : {}) },
      options: { isolation: SCENARIO_ISOLATION, stateDir: engine.stateBase, ...launch, ...(trust ? { trust } : {}) },
    });
  const r = await request();
  return !r.ok && r.error.code === 'UNTRUSTED' && r.error.trust ? request(r.error.trust.digest) : r;
}

/**
 * Launches a topology (isolation SCENARIO_ISOLATION unless told otherwise), subscribes to every console and waits for every
 * guest to be running and ready.
 */
export async function launchLab(
  engine: ScenarioEngine,
  text: string,
  options: LaunchOptions & { waitReady?: boolean; path?: string } = {},
): Promise<ScenarioLab> {
  const { waitReady = true, ...launch } = options;
  const name = /^name:\s*(\S+)/m.exec(text)?.[1] ?? '';
  const r = await launchRequest(engine, text, launch);
  if (!r.ok) {
    throw new Error(
      `launch ${name}: ${r.error.code}: ${r.error.message}\n${JSON.stringify(r.error.diagnostics ?? [], null, 1)}\n${logTail(engine)}`,
    );
  }
  if (r.status.netns) tracked.netns.add(r.status.netns);
  const lab = new ScenarioLab(engine, r.lab, r.status);
  await lab.subscribeConsoles();
  const states = lab.vmStates();
  for (const vm of lab.vms) {
    const st = r.status.vms.find((v) => v.vm === vm)?.state ?? states.get(vm);
    if (st?.state !== 'running') throw new Error(`${vm} is not running after launch: ${JSON.stringify(st)}`);
  }
  if (waitReady) await lab.waitReady();
  return lab;
}

/** Preflight only: the problems found. */
export async function preflightOf(
  engine: ScenarioEngine,
  text: string,
  options: LaunchOptions = {},
): Promise<readonly Diagnostic[]> {
  const r = await engine.api.request({
    type: 'preflight',
    source: { kind: 'yaml', text },
    options: { isolation: SCENARIO_ISOLATION, stateDir: engine.stateBase, ...options },
  });
  if (!r.ok) throw new Error(`preflight: ${r.error.code}: ${r.error.message}`);
  return r.problems;
}

export function logTail(engine: ScenarioEngine, n = 30): string {
  return engine.events
    .filter((e) => e.type === 'log' || e.type === 'step' || e.type === 'labState' || e.type === 'vmState')
    .slice(-n)
    .map((e) => JSON.stringify(e))
    .join('\n');
}

/** What a lab left: processes mentioning its state dir, its namespace, socket/FIFO files in its state dir. */
export function leftovers(stateDir: string, netns: string | null): string[] {
  const out: string[] = [];
  for (const p of processesMentioning(stateDir)) out.push(`process ${p.pid}: ${p.argv.join(' ')}`);
  if (netns && netnsExists(netns)) out.push(`netns ${netns}`);
  for (const f of leftoverSpecialFiles(stateDir)) out.push(`file ${f}`);
  return out;
}

/**
 * argv that runs `argv` in a running lab's network: its named namespace (netns), or the user namespace of its
 * guests (userns: entered through the first running guest, which lives there as the holder does).
 */
export function inLab(lab: ScenarioLab, argv: readonly string[]): string[] {
  if (lab.netns !== null) return ['ip', 'netns', 'exec', lab.netns, ...argv];
  const running = [...lab.vmStates().values()].find((s) => s.state === 'running');
  if (running?.state !== 'running') throw new Error(`${lab.lab}: no running guest to enter its namespace by`);
  return enterArgv(running.pid, argv);
}

/** Runs `argv` in a running lab's network (inLab), with a timeout: stdout, stderr and status. */
export function runInLab(lab: ScenarioLab, argv: readonly string[], timeoutMs = 20_000) {
  const full = inLab(lab, argv);
  return spawnSync(full[0]!, full.slice(1), { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
}

/** Interfaces other than lo in a running lab's network. */
export function interfacesOf(lab: ScenarioLab): string[] {
  return interfaceNames(runInLab(lab, ['ip', '-o', 'link']).stdout);
}

/** Interfaces in a namespace other than lo. */
export function interfacesIn(netns: string): string[] {
  return interfaceNames(spawnSync('ip', ['-n', netns, '-o', 'link'], { encoding: 'utf8' }).stdout);
}

function interfaceNames(ipLinkOneLine: string): string[] {
  return ipLinkOneLine
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '')
    .filter((n) => n !== '' && n !== 'lo');
}

/** Disposes engines, kills what mentions the state dirs (by pid), deletes namespaces, runs registered undos. */
export async function cleanupAll(): Promise<string[]> {
  const found: string[] = [];
  for (const c of tracked.children) {
    c.kill();
    await c.exited;
  }
  tracked.children.clear();
  for (const e of tracked.engines) {
    try {
      await e.dispose();
    } catch {
      // keep cleaning
    }
  }
  tracked.engines.clear();
  for (const dir of tracked.dirs) {
    const procs = processesMentioning(dir);
    for (const p of procs) found.push(`process ${p.pid}: ${p.argv.join(' ')}`);
    killPids(procs.map((p) => p.pid));
  }
  for (const ns of tracked.netns) {
    if (netnsExists(ns)) {
      found.push(`netns ${ns}`);
      deleteNetns(ns);
    }
  }
  tracked.netns.clear();
  // A rootless lab's holder is a child of this process (the engine runs here): one alive now outlived its lab.
  const holders = leftHolders();
  for (const h of holders) found.push(`namespace holder ${h}`);
  killPids(holders);
  for (const ns of tracked.infraNetns) deleteNetns(ns);
  tracked.infraNetns.clear();
  for (const dir of tracked.dirs) {
    for (const f of leftoverSpecialFiles(dir)) found.push(`file ${f}`);
    rmSync(dir, { recursive: true, force: true });
  }
  tracked.dirs.clear();
  while (tracked.cleanups.length > 0) {
    const fn = tracked.cleanups.pop()!;
    try {
      await fn();
    } catch (err) {
      found.push(`cleanup failed: ${String(err)}`);
    }
  }
  return found;
}

/** The pids of the namespace holders (`sleep infinity` in a namespace of its own) this process started and left. */
function leftHolders(): number[] {
  const ours = netnsOf('self');
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
        return ppid === process.pid && cmdlineOf(pid)?.join(' ') === HOLDER_COMMAND.join(' ') && netnsOf(pid) !== ours;
      } catch {
        return false;
      }
    });
}

/** Registers a temp dir for removal (and for the process sweep). */
export function trackDir(dir: string): void {
  tracked.dirs.add(dir);
}

// ------------------------------------------------------------------------------------------ engine in a child

/** One JSON line of engine-child.ts. */
export interface ChildMessage {
  readonly kind: string;
  readonly [key: string]: unknown;
}

export interface ChildRun {
  readonly pid: number;
  readonly messages: ChildMessage[];
  readonly exited: Promise<number | null>;
  stderr(): string;
  waitFor(pred: (m: ChildMessage) => boolean, timeoutMs: number): Promise<ChildMessage>;
  send(line: string): void;
  kill(signal?: NodeJS.Signals): void;
}

export interface ChildOptions {
  readonly args: readonly string[];
  /** The topology text, written to a file the child reads. */
  readonly yaml: string;
  /** Run inside this network namespace (the test's stand-in for the host). */
  readonly netns?: string;
  /** Run as this user. */
  readonly user?: string;
  readonly env?: Readonly<Record<string, string>>;
}

const TSX = join(HERE, '../../../node_modules/tsx/dist/cli.mjs');

/** Starts engine-child.ts (optionally in a namespace and as another user); its JSON lines are collected. */
export function startChild(o: ChildOptions): ChildRun {
  const dir = mkdtempSync(join(tmpdir(), 'qnsc-child-'));
  tracked.dirs.add(dir);
  chmodSync(dir, 0o755);
  const file = join(dir, 'lab.qnet.yaml');
  writeFileSync(file, o.yaml, { mode: 0o644 });
  const env = { ...o.env };
  let argv = [process.execPath, TSX, join(HERE, 'engine-child.ts'), ...o.args, '--file', file];
  if (o.user)
    argv = [
      'setpriv',
      `--reuid=${o.user}`,
      `--regid=${o.user}`,
      '--init-groups',
      '--',
      'env',
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ...argv,
    ];
  if (o.netns) argv = ['ip', 'netns', 'exec', o.netns, ...argv];
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    cwd: dir,
  });
  const messages: ChildMessage[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      messages.push(JSON.parse(line) as ChildMessage);
    } catch {
      messages.push({ kind: 'text', line });
    }
    for (const w of [...waiters]) w();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
      for (const w of [...waiters]) w();
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const run: ChildRun = {
    pid: child.pid!,
    messages,
    exited,
    stderr: () => stderr,
    waitFor(pred, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = messages.find(pred);
          if (m) {
            done();
            resolve(m);
          } else if (gone) {
            done();
            reject(
              new Error(`engine child exited; messages: ${JSON.stringify(messages)}\nstderr:\n${stderr.slice(-3000)}`),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `engine child: nothing matching within ${timeoutMs} ms; messages: ${JSON.stringify(messages)}\nstderr:\n${stderr.slice(-3000)}`,
            ),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    send(line) {
      child.stdin!.write(`${line}\n`);
    },
    kill(signal = 'SIGKILL') {
      if (!gone) child.kill(signal);
    },
  };
  tracked.children.add(run);
  return run;
}

/** Runs engine-child.ts to its end. */
export async function runChild(
  o: ChildOptions,
  timeoutMs = 120_000,
): Promise<{ code: number | null; messages: ChildMessage[]; stderr: string }> {
  const c = startChild(o);
  const timer = setTimeout(() => c.kill(), timeoutMs);
  const code = await c.exited;
  clearTimeout(timer);
  return { code, messages: c.messages, stderr: c.stderr() };
}
