import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { netnsName } from '../../shared/compiler/index';
import { buildTinyGuest } from '../guest/build';
import { until } from './engine';
import { leftoverSpecialFiles } from './exportedLab';
import { deleteNetns, netnsExists } from './netns';
import { killPids, pidAlive, processesMentioning } from './procs';
import { buildCli, qnet as runQnet, ROOT as root, spawnQnet as startQnet } from './qnetCli';

/*
 * Example 05 (server 10.0.5.1/24 listens, client 10.0.5.2/24 connects, link `wire`) run by the bundled `qnet` in a
 * network namespace, under a name and port of its own, for suites that drive a running lab as a user would. One lab
 * is shared by a suite's assertions: booting guests under TCG is what costs.
 */

/** What `qnet status --json` says of the suite's lab, as far as these suites read it. */
export interface PairStatus {
  labs: {
    lab: string;
    state: string;
    engine: { pid: number } | null;
    vms: { vm: string; state: { state: string; pid?: number } }[];
    links?: { link: string; up: boolean; capture?: string; tap?: string; shaping?: Record<string, unknown> }[];
    switches?: { node: string; state: { state: string; pid?: number } }[];
  }[];
}

/** A lab file of its own instead of example 05, and the isolation `qnet up` gives it (default netns). */
export interface LabSource {
  /** The topology's text; its `name:` must be the lab's. */
  readonly text?: string;
  readonly isolation?: 'netns' | 'userns';
  /** Launch it trusted: what it reads on the host (a disk image) is the suite's own. */
  readonly trust?: boolean;
}

/** A shell on a guest's serial console: `sh(cmd)` runs a command and resolves with what it printed. */
export interface GuestShell {
  ready(): Promise<unknown>;
  sh(cmd: string, timeoutMs?: number): Promise<string>;
}

/** A socket-pair lab named `lab` on TCP port `port`, its state under a fresh `/tmp/<prefix>…` directory. */
export function socketPairLab(lab: string, port: number, prefix: string, source: LabSource = {}) {
  let stateDir = '';
  let enginePid = 0;
  const children: ChildProcess[] = [];

  /** The bundled `qnet` with the suite's state directory. */
  function qnet(...args: string[]) {
    return runQnet(args, { stateDir });
  }

  /** The bundled `qnet` left running (killed at teardown if it has not ended). */
  function spawnQnet(...args: string[]): ChildProcess {
    const child = startQnet(args, { stateDir });
    children.push(child);
    return child;
  }

  /** A shell on a guest's serial console (its ready line not waited for). */
  function guestShell(vm: string): GuestShell {
    const child = spawnQnet('console', lab, vm);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    let n = 0;
    return {
      ready: () => until(() => out.includes('QNET-READY'), `${vm}'s ready line`, 90_000),
      async sh(cmd: string, timeoutMs = 30_000): Promise<string> {
        const mark = `DONE-${vm}-${++n}`;
        const from = out.length;
        // The echo of the typed line shows `DONE-x-""1`; only the command's own output shows the mark whole.
        child.stdin!.write(`${cmd}; echo ${mark.replace(/-(\d+)$/, '-""$1')}\n`);
        await until(
          () => out.slice(from).includes(`${mark}\r\n`) || out.slice(from).includes(`${mark}\n`),
          `${cmd} on ${vm}`,
          timeoutMs,
        );
        return out.slice(from);
      },
    };
  }

  /** A shell on a guest once its console has said it is ready. */
  async function readyShell(vm: string): Promise<GuestShell> {
    const shell = guestShell(vm);
    await shell.ready();
    return shell;
  }

  /** `qnet status --json`, which must succeed (a failed one throws what it printed). */
  function status(): PairStatus {
    const r = qnet('status', '--json');
    if (r.code !== 0) throw new Error(`qnet status failed (exit ${r.code}): ${r.err}`);
    return JSON.parse(r.out) as PairStatus;
  }

  /** Each guest's state by name, as `qnet status` says it. */
  function vmStates(): Record<string, string> {
    return Object.fromEntries(status().labs[0]!.vms.map((v) => [v.vm, v.state.state]));
  }

  /** The pid of a guest the engine started. */
  function pidOf(vm: string): number {
    return status().labs[0]!.vms.find((v) => v.vm === vm)!.state.pid!;
  }

  /** How many times the guest's console said it was ready (its buffer spans its restarts). */
  function readyCount(vm: string): number {
    return (qnet('logs', lab, vm).out.match(/QNET-READY hostname=/g) ?? []).length;
  }

  /** Builds the CLI and the tiny guest and starts the lab detached. */
  async function up(): Promise<void> {
    buildCli();
    await buildTinyGuest({ arch: 'x86_64', log: () => {} });
    stateDir = mkdtempSync(`/tmp/${prefix}`);
    const file = join(stateDir, 'pair.qnet.yaml');
    const text = readFileSync(join(root, 'assets/examples/05-socket-pair.qnet.yaml'), 'utf8');
    // Its own port, so a socket-pair lab of another suite never holds it.
    const pair = text.replace(/^name: socket-pair$/m, `name: ${lab}`).replace('port: 40500', `port: ${port}`);
    writeFileSync(file, source.text ?? pair);
    const trust = source.trust ? ['--trust'] : [];
    const started = qnet('up', file, '--isolation', source.isolation ?? 'netns', '--detach', ...trust);
    if (started.code !== 0) throw new Error(`qnet up failed: ${started.out}\n${started.err}`);
    enginePid = status().labs[0]!.engine!.pid;
  }

  /** `up`, then a shell on each of `vms` once it is ready (each console followed as it streams, nothing polled). */
  async function upReady(vm: string, ...more: string[]): Promise<[GuestShell, ...GuestShell[]]> {
    await up();
    const [first, ...rest] = await Promise.all([vm, ...more].map(readyShell));
    return [first!, ...rest];
  }

  /**
   * `qnet down` (only while the engine still lists a lab when `ifRunning`: a suite whose last test stops it), then
   * removes whatever of the lab is left (processes, namespace, state) and says what it was, for the suite to assert.
   */
  async function down(o: { ifRunning?: boolean } = {}) {
    if (stateDir === '') return null;
    const stopped = !o.ifRunning || status().labs.length ? qnet('down', lab) : { code: 0, err: '' };
    // The suite's own consoles end first, and are waited for: one SIGKILLed but not yet gone would read as left.
    const ending = children.splice(0).filter((c) => c.exitCode === null && c.signalCode === null);
    await Promise.all(
      ending.map(
        (c) =>
          new Promise<void>((done) => {
            c.once('exit', () => done());
            if (!c.kill('SIGKILL') || c.exitCode !== null || c.signalCode !== null) done();
          }),
      ),
    );
    if (enginePid) await until(() => !pidAlive(enginePid), 'the engine to exit').catch(() => {});
    const netns = netnsName(lab);
    const left = processesMentioning(stateDir);
    killPids(left.map((p) => p.pid));
    deleteNetns(netns);
    const files = leftoverSpecialFiles(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
    return { stopped, left: { procs: left.map((p) => p.argv.join(' ')), files, netns: netnsExists(netns) } };
  }

  /** `down`, then asserts `qnet down` succeeded and nothing of the lab was left (nothing to do if it never started). */
  async function downClean(o: { ifRunning?: boolean } = {}): Promise<void> {
    const end = await down(o);
    if (!end) return;
    expect(end.stopped.code, end.stopped.err).toBe(0);
    expect(end.left).toEqual({ procs: [], files: [], netns: false });
  }

  return {
    qnet,
    spawnQnet,
    guestShell,
    readyShell,
    status,
    vmStates,
    pidOf,
    readyCount,
    up,
    upReady,
    down,
    downClean,
    stateDir: () => stateDir,
  };
}
