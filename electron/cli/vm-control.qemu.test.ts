import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsName } from '../../shared/compiler/index';
import { buildTinyGuest } from '../guest/build';
import { leftoverSpecialFiles } from '../testkit/exportedLab';
import { deleteNetns, netnsExists } from '../testkit/netns';
import { killPids, pidAlive, processesMentioning } from '../testkit/procs';
import { until } from '../testkit/engine';

/*
 * One guest's life on a running lab, as a user drives it (the bundled `qnet start|stop|restart`), on real tiny
 * guests in a network namespace: example 05 (server 10.0.5.1/24 listens, client 10.0.5.2/24 connects, link `wire`).
 * The client is stopped, started and restarted while the server keeps running; one lab is shared by the assertions.
 */

const root = join(import.meta.dirname, '../..');
const LAB = `vm-ctl-${process.pid}`;
const NETNS = netnsName(LAB);
let stateDir = '';
let enginePid = 0;
const children: ChildProcess[] = [];

function qnet(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/qnet.js'), ...args, '--state-dir', stateDir], {
    cwd: root,
    encoding: 'utf8',
    timeout: 170_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A shell on a guest's serial console: `sh(cmd)` runs a command and resolves with what it printed. */
function guestShell(vm: string) {
  const child = spawn(process.execPath, [join(root, 'bin/qnet.js'), 'console', LAB, vm, '--state-dir', stateDir], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
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

interface StatusJson {
  labs: {
    lab: string;
    state: string;
    engine: { pid: number } | null;
    vms: { vm: string; state: { state: string; pid?: number } }[];
  }[];
}
const vmStates = () => Object.fromEntries(status().labs[0]!.vms.map((v) => [v.vm, v.state.state]));
const pidOf = (vm: string) => status().labs[0]!.vms.find((v) => v.vm === vm)!.state.pid!;
/** How many times the guest's console said it was ready (its buffer spans its restarts). */
const readyCount = (vm: string) => (qnet('logs', LAB, vm).out.match(/QNET-READY hostname=/g) ?? []).length;
function status(): StatusJson {
  const r = qnet('status', '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as StatusJson;
}

let server: ReturnType<typeof guestShell>;

beforeAll(async () => {
  const built = spawnSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: root, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`CLI build failed: ${built.stderr}`);
  await buildTinyGuest({ arch: 'x86_64', log: () => {} });
  stateDir = mkdtempSync('/tmp/qnet-vmctl-');
  const file = join(stateDir, 'pair.qnet.yaml');
  const text = readFileSync(join(root, 'assets/examples/05-socket-pair.qnet.yaml'), 'utf8');
  // Its own port, so a socket-pair lab of another suite never holds it.
  writeFileSync(file, text.replace(/^name: socket-pair$/m, `name: ${LAB}`).replace('port: 40500', 'port: 41600'));
  const up = qnet('up', file, '--netns', '--detach');
  if (up.code !== 0) throw new Error(`qnet up failed: ${up.out}\n${up.err}`);
  enginePid = status().labs[0]!.engine!.pid;
  server = guestShell('server');
  await server.ready();
}, 600_000);

afterAll(async () => {
  if (stateDir === '') return;
  const down = qnet('down', LAB);
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (enginePid) await until(() => !pidAlive(enginePid), 'the engine to exit').catch(() => {});
  const left = processesMentioning(stateDir);
  killPids(left.map((p) => p.pid));
  deleteNetns(NETNS);
  const files = leftoverSpecialFiles(stateDir);
  rmSync(stateDir, { recursive: true, force: true });
  expect(down.code, down.err).toBe(0);
  expect({ procs: left.map((p) => p.argv.join(' ')), files, netns: netnsExists(NETNS) }).toEqual({
    procs: [],
    files: [],
    netns: false,
  });
}, 120_000);

describe('qnet start|stop|restart one guest of a running lab', () => {
  it('stop: the guest powers off, the rest keeps running; start: it boots again and answers; restart: a new process', async () => {
    expect(await server.sh('ping -c 1 -W 5 10.0.5.2', 60_000)).toContain('1 packets received');
    const serverPid = pidOf('server');
    const clientPid = pidOf('client');

    const stop = qnet('stop', LAB, 'client');
    expect(stop.code, stop.err).toBe(0);
    expect(stop.out).toBe(`${LAB}: client is stopped\n`);
    expect(pidAlive(clientPid), 'the client QEMU is gone').toBe(false);
    expect(vmStates()).toEqual({ server: 'running', client: 'stopped' });
    expect(status().labs[0]!.state).toBe('running');
    expect(await server.sh('ping -c 2 -W 2 10.0.5.2')).toContain('0 packets received');

    const start = qnet('start', LAB, 'client');
    expect(start.code, start.err).toBe(0);
    expect(start.out).toMatch(new RegExp(`^${LAB}: client is running \\(pid \\d+\\)\\n$`));
    await until(() => readyCount('client') === 2, 'the client ready again', 120_000);
    expect(await server.sh('ping -c 5 -W 2 10.0.5.2 | grep received', 60_000)).toMatch(/[1-5] packets received/);
    expect(pidOf('server'), 'the server was never touched').toBe(serverPid);

    const again = qnet('start', LAB, 'client');
    expect(again.out, 'start of a running guest changes nothing').toContain('client is running');
    const before = pidOf('client');
    const restart = qnet('restart', LAB, 'client');
    expect(restart.code, restart.err).toBe(0);
    const after = pidOf('client');
    expect(after).not.toBe(before);
    expect(pidAlive(before)).toBe(false);
    await until(() => readyCount('client') === 3, 'the client ready after its restart', 120_000);
    expect(vmStates()).toEqual({ server: 'running', client: 'running' });
    expect(pidOf('server')).toBe(serverPid);
  }, 400_000);

  it('a guest or lab that does not exist is a clear error', () => {
    const noVm = qnet('stop', LAB, 'router');
    expect(noVm.code).toBe(1);
    expect(noVm.err).toBe(`qnet stop: lab ${LAB} has no guest router\n`);
    const noLab = qnet('restart', 'nolab', 'client');
    expect(noLab.code).toBe(1);
    expect(noLab.err).toContain('qnet: no running lab "nolab"');
    const usage = qnet('start', LAB);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('start takes LAB and VM');
    expect(vmStates()).toEqual({ server: 'running', client: 'running' });
  });
});
