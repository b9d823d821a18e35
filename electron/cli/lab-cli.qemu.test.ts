import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { netnsName } from '../../shared/compiler/index';
import { buildTinyGuest } from '../guest/build';
import { leftoverSpecialFiles } from '../testkit/exportedLab';
import { deleteNetns, netnsExists } from '../testkit/netns';
import { killPids, pidAlive, processesMentioning } from '../testkit/procs';
import { until } from '../testkit/engine';
import { buildCli, qnet as runQnet, ROOT as root, spawnQnet } from '../testkit/qnetCli';

/*
 * The lab commands as a user runs them (the bundled `qnet`), on real tiny guests in a network namespace:
 * up --detach, status --json, console through a pipe (ping the peer), down; Ctrl+C on a foreground up; down after
 * the engine was killed. Example 05: server 10.0.5.1/24 and client 10.0.5.2/24 joined by a TCP socket pair.
 */

// Example 05 under a name of its own, so this suite and the engine's (which runs socket-pair) never share a netns.
const LAB = 'socket-pair-cli';
const NETNS = netnsName(LAB);
let stateDir = '';
let FILE = '';
const children: ChildProcess[] = [];

function qnet(...args: string[]) {
  return runQnet(args, { stateDir });
}

/** A `qnet` child with piped stdio; `output()` is everything it printed on stdout so far. */
function qnetChild(...args: string[]) {
  const child = spawnQnet(args, { stateDir });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, errors: () => err, exited };
}

interface StatusJson {
  labs: {
    lab: string;
    state: string;
    engine: { pid: number } | null;
    vms: { vm: string; state: { state: string } }[];
  }[];
}
function status(): StatusJson {
  const r = qnet('status', '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as StatusJson;
}

function expectNothingLeft() {
  const procs = processesMentioning(stateDir).map((p) => p.argv.join(' '));
  expect({ procs, netns: netnsExists(NETNS), sockets: leftoverSpecialFiles(stateDir) }).toEqual({
    procs: [],
    netns: false,
    sockets: [],
  });
}

beforeAll(async () => {
  buildCli();
  await buildTinyGuest({ arch: 'x86_64', log: () => {} });
}, 600_000);

beforeEach(() => {
  stateDir = mkdtempSync('/tmp/qnet-cli-');
  FILE = join(stateDir, 'pair.qnet.yaml');
  const text = readFileSync(join(root, 'assets/examples/05-socket-pair.qnet.yaml'), 'utf8');
  writeFileSync(FILE, text.replace(/^name: socket-pair$/m, `name: ${LAB}`));
});

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  const left = processesMentioning(stateDir);
  killPids(left.map((p) => p.pid));
  await until(() => left.every((p) => !pidAlive(p.pid)), 'leftover processes to die');
  deleteNetns(NETNS);
  rmSync(stateDir, { recursive: true, force: true });
});

describe('qnet up / status / console / down on real guests', () => {
  it('up --netns --detach runs both guests; console gives a shell that pings the peer; down leaves nothing', async () => {
    const up = qnet('up', FILE, '--netns', '--detach');
    expect(up.code, `${up.out}\n${up.err}`).toBe(0);
    expect(up.out.trim()).toBe(LAB);
    expect(up.err).toMatch(new RegExp(`qnet console ${LAB} (server|client) --state-dir ${stateDir}`));

    const s = status();
    expect(s.labs).toHaveLength(1);
    expect(s.labs[0]).toMatchObject({ lab: LAB, state: 'running' });
    expect(s.labs[0]!.vms.map((v) => [v.vm, v.state.state]).sort()).toEqual([
      ['client', 'running'],
      ['server', 'running'],
    ]);
    const enginePid = s.labs[0]!.engine!.pid;
    expect(netnsExists(NETNS)).toBe(true);

    const again = qnet('up', FILE, '--netns', '--detach');
    expect(again.code).toBe(1);
    expect(again.err).toContain('error PREFLIGHT_LAB_RUNNING');
    expect(again.err).toContain(`fix: qnet down ${LAB}`);
    expect(status().labs.map((l) => [l.lab, l.state, l.engine?.pid])).toEqual([[LAB, 'running', enginePid]]);

    const text = qnet('status');
    expect(text.out).toMatch(new RegExp(`^${LAB}: running \\(engine pid \\d+, netns ${NETNS}`, 'm'));

    const con = qnetChild('console', LAB, 'server');
    await until(() => con.output().includes('QNET-READY'), 'the ready line on the console', 60_000);
    con.child.stdin!.write('ping -c 1 10.0.5.2\n');
    await until(
      () => /1 packets received/.test(con.output()),
      `ping's answer (got: ${con.output().slice(-400)})`,
      30_000,
    );
    con.child.stdin!.end();
    expect(await con.exited).toBe(0);
    // status says each guest's addresses as the guest reported them in its ready line.
    await until(
      () => /client: running \(pid \d+\), eth0 10\.0\.5\.2\/24$/m.test(qnet('status').out),
      "the client's reported address in qnet status",
      30_000,
    );
    expect(qnet('status').out).toMatch(/^ {2}server: running \(pid \d+\), eth0 10\.0\.5\.1\/24$/m);
    expect(con.errors()).toContain(`[attached to ${LAB}/server]`);

    const logs = qnet('logs', LAB, 'server');
    expect(logs.code).toBe(0);
    expect(logs.out).toContain('1 packets received');

    const down = qnet('down', LAB);
    expect(down.code, down.err).toBe(0);
    expect(down.out).toContain(`stopped ${LAB}`);
    await until(() => !pidAlive(enginePid), 'the engine to exit');
    expectNothingLeft();
    expect(status().labs).toEqual([]);
  });

  it('a foreground up stops cleanly on SIGINT, printing what it undid', async () => {
    const up = qnetChild('up', FILE, '--netns');
    await until(
      () => up.output().includes('is running'),
      `the lab to run (got: ${up.output()}${up.errors()})`,
      120_000,
    );
    expect(up.output()).toContain('server: running');
    expect(up.output()).toMatch(new RegExp(`qnet console ${LAB} (server|client)`));
    expect(status().labs.map((l) => l.state)).toEqual(['running']);
    up.child.kill('SIGINT');
    expect(await up.exited).toBe(0);
    expect(up.output()).toMatch(/undone: /);
    expect(up.output()).toContain(`lab ${LAB} stopped`);
    expectNothingLeft();
  });

  it('down after the engine was killed cleans up from the journal', async () => {
    const up = qnet('up', FILE, '--netns', '--detach');
    expect(up.code, up.err).toBe(0);
    const enginePid = status().labs[0]!.engine!.pid;
    const guests = processesMentioning(join(stateDir, LAB)).filter((p) => p.argv[0]!.includes('qemu'));
    expect(guests).toHaveLength(2);
    process.kill(enginePid, 'SIGKILL');
    await until(() => !pidAlive(enginePid), 'the engine to die');
    expect(status().labs).toMatchObject([{ lab: LAB, state: 'stale', engine: null }]);
    expect(qnet('status').out).toContain(`run "qnet down ${LAB}"`);

    const down = qnet('down');
    expect(down.code, down.err).toBe(0);
    expect(down.out).toContain('cleaning up from its journal');
    expect(down.out).toMatch(/undone: /);
    expect(guests.every((g) => !pidAlive(g.pid))).toBe(true);
    expectNothingLeft();
  });
});
