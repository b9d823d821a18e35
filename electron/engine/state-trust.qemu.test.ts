import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JournalRecord } from './journal';
import type { LabPlan } from '../../shared/compiler/plan';
import { deleteNetns } from '../testkit/netns';
import { killPids, pidAlive, processesMentioning } from '../testkit/procs';
import { runAs, spawnAs, testUser, type TestUser } from '../testkit/users';
import { controlKeyPath, controlSocketPath } from './control-socket';
import { fakeEngine, fakeLab } from '../testkit/control-fake';
import { serveControl } from './control-server';
import { LabRunner } from './lab';
import { example, NO_KVM, planOf, testTarget } from '../testkit/lab';
import { buildCli, qnet as runQnet } from '../testkit/qnetCli';

/*
 * Finding 2 of issue 8, with real second users: qnet-test1 (a victim without XDG_RUNTIME_DIR) and qnet-test2 (the
 * attacker, who can write only where anyone can, such as /tmp). What the attacker plants in a directory the
 * victim (or root) might use must not make a launch or `qnet down` kill anything, run anything or write through a
 * symlink; each planted thing gets a refusal naming it.
 */

const root = join(import.meta.dirname, '../..');
let victim: TestUser;
let attacker: TestUser;
const dirs: string[] = [];
const children: ChildProcess[] = [];
const runners: { runner: LabRunner; plan: LabPlan }[] = [];

/** A fresh directory in /tmp (sticky, shared) that `owner` owns with `mode`: where that user can plant things. */
function dirOf(owner: TestUser, prefix: string, mode = 0o755): string {
  const dir = mkdtempSync(`/tmp/${prefix}`);
  dirs.push(dir);
  expect(spawnSync('chown', [`${owner.uid}:${owner.gid}`, dir]).status).toBe(0);
  chmodSync(dir, mode);
  return dir;
}

/** Makes `path` (and its parents under an attacker's directory) as the attacker, then writes `text` to it. */
function plant(path: string, text: string): void {
  const r = runAs(attacker, ['sh', '-c', 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"', 'sh', path], {
    input: text,
  });
  expect(r.status, r.stderr).toBe(0);
}

/** The JSON lines of a journal the attacker forges. */
const journal = (records: readonly JournalRecord[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** `qnet ARGS…` as `user` with exactly `env`. */
function qnetAs(user: TestUser, args: readonly string[], env: Record<string, string>) {
  return runQnet(args, { as: user, env, timeoutMs: 60_000 });
}

beforeAll(() => {
  buildCli();
  victim = testUser('qnet-test1');
  attacker = testUser('qnet-test2');
});
afterEach(async () => {
  for (const { runner, plan } of runners.splice(0)) {
    await runner.dispose();
    if (plan.netns) deleteNetns(plan.netns);
  }
  killPids(children.splice(0).flatMap((c) => (c.pid === undefined ? [] : [c.pid])));
  for (const d of dirs) killPids(processesMentioning(d).map((p) => p.pid));
});
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('a state directory someone else controls is never trusted', () => {
  // On main: qnet-test1 without XDG_RUNTIME_DIR used /tmp/qnet-<uid>, which qnet-test2 could make first; its forged
  // journal made the victim's `qnet down` kill the victim's own process and run the attacker's command.
  it("B's forged journal in the victim's once-predictable directory: qnet down kills and runs nothing", async () => {
    const predictable = `/tmp/qnet-${victim.uid}`;
    rmSync(predictable, { recursive: true, force: true });
    dirs.push(predictable);
    const home = dirOf(victim, 'qnet-trust-home-', 0o700);
    const pwned = join(home, 'pwned');
    const own = spawnAs(victim, ['sleep', '1000']); // the victim's own process, which the journal names
    children.push(own);
    await new Promise((r) => own.once('spawn', r));
    const now = Date.now();
    plant(
      join(predictable, 'evil', 'engine.journal'),
      journal([
        { t: 'lab', v: 1, lab: 'evil', stateDir: join(predictable, 'evil'), netns: null, at: now },
        { t: 'spawn', proc: 'vm-x', argv: ['sleep', '1000'], pidfile: null, at: now },
        { t: 'started', proc: 'vm-x', pid: own.pid!, at: now },
        {
          t: 'begin',
          step: 'bridge-x',
          description: 'Create bridge x',
          undo: ['touch', pwned],
          needsRoot: false,
          netns: null,
          at: now,
        },
        { t: 'done', step: 'bridge-x', at: now },
      ]),
    );
    runAs(attacker, ['chmod', '-R', 'a+rwX', predictable]);

    const byDefault = qnetAs(victim, ['down'], { HOME: home });
    expect(byDefault.code, byDefault.out + byDefault.err).toBe(0);
    expect(byDefault.out).toBe(`no labs under ${join(home, '.qnet')}: nothing to stop\n`);

    const pointed = qnetAs(victim, ['down', 'evil', '--state-dir', predictable], { HOME: home });
    expect(pointed.code).toBe(1);
    expect(pointed.err).toBe(
      `qnet: the state directory ${predictable} belongs to uid ${attacker.uid}, not to you (uid ${victim.uid}): whoever owns it can plant journals, sockets and symlinks there; use a directory of your own: --state-dir DIR or $QNET_STATE_DIR\n`,
    );
    expect(pidAlive(own.pid!)).toBe(true);
    expect(existsSync(pwned)).toBe(false);
  });

  // On main: root launching with a state directory in /tmp that B made (the old SOCKET_PATH_TOO_LONG fix proposed
  // /tmp/qn) ran the journal's undo as root before preflight.
  it('root launching in a directory B made: refused before its journal is read; nothing runs as root', async () => {
    const markerDir = mkdtempSync('/tmp/qnet-trust-root-'); // root's alone: only root can create the marker
    dirs.push(markerDir);
    const marker = join(markerDir, 'ran-as-root');
    const qn = join(dirOf(attacker, 'qnet-trust-b-'), 'qn');
    const topology = example('05-');
    const plan = planOf(topology, testTarget(markerDir, { stateDir: qn }));
    const now = Date.now();
    plant(
      join(plan.stateDir, 'engine.journal'),
      journal([
        { t: 'lab', v: 1, lab: plan.lab, stateDir: plan.stateDir, netns: null, at: now },
        {
          t: 'begin',
          step: 'netns',
          description: 'Create network namespace',
          undo: ['touch', marker],
          needsRoot: true,
          netns: null,
          at: now,
        },
        { t: 'done', step: 'netns', at: now },
      ]),
    );
    const runner = new LabRunner({ plan, preflightEnv: { kvm: NO_KVM } });
    runners.push({ runner, plan });
    const r = await runner.launch();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('PREFLIGHT_FAILED');
    expect(r.error.diagnostics?.map((d) => d.code)).toEqual(['PREFLIGHT_STATE_DIR']);
    expect(r.error.message).toBe(
      `${qn.replace(/\/qn$/, '')}, above the state directory ${qn}, belongs to uid ${attacker.uid}, not to root: whoever owns it can plant journals, sockets and symlinks there; use a directory of your own: --state-dir DIR or $QNET_STATE_DIR`,
    );
    expect(existsSync(marker)).toBe(false);
  });

  // On main: QEMU's -pidfile, its console logfile= and the engine's stderr log followed B's symlinks, so a root
  // launch overwrote root-only files.
  it('root launching where B planted symlinks for the pidfile and the logs: refused; the files they point at are untouched', async () => {
    const rootOnly = mkdtempSync('/tmp/qnet-trust-files-');
    dirs.push(rootOnly);
    const topology = example('05-');
    const base = dirOf(attacker, 'qnet-trust-links-', 0o777);
    const plan = planOf(topology, testTarget(rootOnly, { stateDir: base }));
    const vm = plan.vms.find((v) => v.node === 'server')!;
    const proc = plan.processes.find((p) => p.node === 'server')!;
    const targets = { pid: vm.pidfile, console: vm.consoleLog, stderr: proc.stderrLog };
    for (const [name, link] of Object.entries(targets)) {
      const target = join(rootOnly, `${name}.secret`);
      writeFileSync(target, `root's ${name} file\n`, { mode: 0o600 });
      const r = runAs(attacker, [
        'sh',
        '-c',
        'mkdir -p -- "$(dirname -- "$2")" && ln -s -- "$1" "$2"',
        'sh',
        target,
        link,
      ]);
      expect(r.status, r.stderr).toBe(0);
    }
    const runner = new LabRunner({ plan, preflightEnv: { kvm: NO_KVM } });
    runners.push({ runner, plan });
    const r = await runner.launch();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('PREFLIGHT_FAILED');
    expect(r.error.message).toContain(`the state directory ${base} belongs to uid ${attacker.uid}, not to root`);
    for (const name of Object.keys(targets))
      expect(readFileSync(join(rootOnly, `${name}.secret`), 'utf8')).toBe(`root's ${name} file\n`);
    expect(processesMentioning(base)).toEqual([]);
  });

  // On main: qnet status connected to any engine-*.sock in the directory and sent it requests (and qnet console
  // would send it keystrokes); the attacker's socket received them.
  it("a control socket B planted: root's and the victim's qnet status refuse it and send it nothing", async () => {
    const theirs = dirOf(attacker, 'qnet-trust-sock-', 0o755);
    const sock = join(theirs, 'engine-1.sock');
    const heard = join(theirs, 'heard');
    const listener = spawnAs(attacker, [
      process.execPath,
      '-e',
      `require('net').createServer((c) => c.on('data', (d) => require('fs').appendFileSync(${JSON.stringify(heard)}, d))).listen(${JSON.stringify(sock)}, () => console.log('up'))`,
    ]);
    children.push(listener);
    await new Promise((r) => listener.stdout!.once('data', r));
    writeFileSync(join(theirs, 'engine-1.key'), 'k'); // as if it had a key: it must not matter
    const asRoot = spawnSync(process.execPath, [join(root, 'bin/qnet.js'), 'status', '--state-dir', theirs], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(asRoot.status).toBe(1);
    expect(asRoot.stderr).toBe(
      `qnet: the state directory ${theirs} belongs to uid ${attacker.uid}, not to root: whoever owns it can plant journals, sockets and symlinks there; use a directory of your own: --state-dir DIR or $QNET_STATE_DIR\n`,
    );
    const home = dirOf(victim, 'qnet-trust-home-', 0o700);
    const asVictim = qnetAs(victim, ['status', '--state-dir', theirs], { HOME: home });
    expect(asVictim.code).toBe(1);
    expect(asVictim.err).toContain(`belongs to uid ${attacker.uid}, not to you (uid ${victim.uid})`);
    await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(heard)).toBe(false);
  });

  // Root's engine, whose socket someone made reachable by mistake (its directory opened, the socket 0666): B gets
  // nothing, not even the hello, because B cannot read the engine's key.
  it("B connecting to root's engine socket gets nothing without the key only root can read", async () => {
    const dir = mkdtempSync('/tmp/qnet-trust-engine-');
    dirs.push(dir);
    const engine = fakeEngine();
    engine.on('list', () => ({ ok: true, labs: [fakeLab('secret-lab', join(dir, 'secret-lab'))] }));
    const server = await serveControl(engine, controlSocketPath(dir));
    try {
      chmodSync(dir, 0o755);
      chmodSync(server.path, 0o666);
      const probe = `const c = require('net').createConnection(${JSON.stringify(server.path)}); let got = ''; c.on('data', (d) => (got += d)); c.on('error', (e) => { process.stdout.write('error ' + e.code); process.exit(0); }); c.on('connect', () => { c.write('{"id":1,"request":{"type":"list"}}\\n'); setTimeout(() => { process.stdout.write('got[' + got + ']'); process.exit(0); }, 1000); });`;
      const r = runAs(attacker, [process.execPath, '-e', probe]);
      expect(r.stdout).toBe('got[]');
      expect(readFileSync(controlKeyPath(server.path), 'utf8')).toMatch(/^[0-9a-f]{64}$/);
      const key = runAs(attacker, ['cat', controlKeyPath(server.path)]);
      expect(key.status).not.toBe(0);
    } finally {
      await server.close();
    }
  });
});
