import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, type LogTopic } from '../../shared/api';
import { controlSocketPath } from '../engine/control-socket';
import { serveControl, type ControlServer } from '../engine/control-server';
import { fakeEngine, fakeLab, type FakeEngine } from '../testkit/control-fake';
import { JOURNAL_FILE } from '../engine/journal';
import type { RecoveryReport } from '../engine/recovery';
import { consoleCommand } from './cmd-console';
import { downCommand } from './cmd-down';
import { logsCommand } from './cmd-logs';
import { statusCommand } from './cmd-status';
import { upCommand } from './cmd-up';
import { runCli } from './main';
import type { Io } from './usage';

/* The lab commands against a fake engine: served on a real control socket in a temp state dir. */

let dir = '';
let engine: FakeEngine;
let server: ControlServer | null = null;

function capture(): Io & { out_: () => string; err_: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), out_: () => out, err_: () => err };
}

async function serve(): Promise<void> {
  server = await serveControl(engine, controlSocketPath(dir));
}

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const FILE_TEXT = 'version: 1\nname: pair\nnodes: []\nlinks: []\n';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-labcmd-'));
  engine = fakeEngine();
});

afterEach(async () => {
  await server?.close();
  server = null;
  rmSync(dir, { recursive: true, force: true });
});

describe('--help and usage errors', () => {
  it.each(['up', 'down', 'status', 'console', 'logs'])('%s --help prints its usage with exit 0', async (cmd) => {
    const io = capture();
    expect(await runCli([cmd, '--help'], io)).toBe(0);
    expect(io.out_()).toMatch(new RegExp(`^usage: qnet ${cmd}`));
  });

  it('qnet --help lists capture as qnet capture --help states it: LINK|BRIDGE and the options', async () => {
    const help = capture();
    expect(await runCli(['--help'], help)).toBe(0);
    const own = capture();
    expect(await runCli(['capture', '--help'], own)).toBe(0);
    const synopsis = own
      .out_()
      .split('\n')[0]!
      .replace(/^usage: qnet /, '')
      .replace(' [--state-dir DIR]', '');
    expect(synopsis).toBe('capture LAB LINK|BRIDGE [-w FILE] [--wireshark] [--duration SECONDS]');
    const lines = help.out_().split('\n');
    const at = lines.indexOf(`  ${synopsis}`);
    expect(at, help.out_()).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^ {23}capture a running lab's link or a bridge's segment into a pcap/);
  });

  it.each([
    [['up'], 'exactly one FILE'],
    [['up', 'x.yaml', '--privilege', 'god'], '--privilege must be'],
    [['up', 'x.yaml', '--netns', '--isolation', 'host'], 'contradicts'],
    [['up', 'x.yaml', '--state-dir', 'relative'], 'absolute'],
    [['console', 'lab'], 'LAB and VM'],
    [['logs'], 'LAB and VM'],
    [['down', 'a', 'b'], 'at most one LAB'],
    [['status', 'x'], 'no arguments'],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const io = capture();
    expect(await runCli(args, io)).toBe(2);
    expect(io.err_()).toContain(message);
    expect(io.out_()).toBe('');
  });

  it('up with a missing file exits 1 without a stack', async () => {
    const io = capture();
    expect(await runCli(['up', join(dir, 'nope.yaml'), '--state-dir', dir], io)).toBe(1);
    expect(io.err_()).toBe(`qnet up: cannot read ${join(dir, 'nope.yaml')}: no such file\n`);
  });
});

describe('qnet up (foreground)', () => {
  let file = '';
  let signal: (name: string) => void = () => {};
  const onSignal = (handler: (name: string) => void) => {
    signal = handler;
    return () => (signal = () => {});
  };
  beforeEach(() => {
    file = join(dir, 'pair.qnet.yaml');
    writeFileSync(file, FILE_TEXT);
  });

  function launchesRunning() {
    engine.on('launch', () => {
      engine.emit({ type: 'labState', lab: 'pair', state: 'starting' });
      engine.emit({
        type: 'step',
        lab: 'pair',
        index: 0,
        total: 1,
        description: 'Create network namespace qn-pair',
        status: 'running',
      });
      engine.emit({ type: 'vmState', lab: 'pair', vm: 'server', state: { state: 'running', pid: 101 } });
      engine.emit({ type: 'vmState', lab: 'pair', vm: 'client', state: { state: 'running', pid: 102 } });
      return { ok: true, lab: 'pair', status: fakeLab('pair', join(dir, 'pair')) };
    });
    engine.on('stop', () => {
      engine.emit({
        type: 'step',
        lab: 'pair',
        index: 0,
        total: 1,
        description: 'Create network namespace qn-pair',
        status: 'undone',
      });
      engine.emit({ type: 'labState', lab: 'pair', state: 'stopped' });
      return { ok: true, lab: 'pair' };
    });
  }

  it('prints progress and how to attach, serves the control socket, and stops cleanly on SIGINT', async () => {
    launchesRunning();
    const io = capture();
    const running = upCommand([file, '--netns', '--state-dir', dir], io, { createEngine: () => engine, onSignal });
    await until(() => io.out_().includes('is running'), 'the lab to run');
    expect(io.out_()).toContain('[1/1] Create network namespace qn-pair');
    expect(io.out_()).toContain('server: running (pid 101)');
    expect(io.out_()).toContain(`qnet console pair server --state-dir ${dir}`);
    expect(engine.requests[0]).toMatchObject({
      type: 'launch',
      source: { kind: 'yaml', text: FILE_TEXT, path: file },
      options: { isolation: 'netns', stateDir: dir },
    });
    expect(existsSync(controlSocketPath(dir))).toBe(true);
    signal('SIGINT');
    expect(await running).toBe(0);
    expect(io.out_()).toContain('[1/1] undone: Create network namespace qn-pair');
    expect(io.out_()).toContain('lab pair stopped');
    expect(existsSync(controlSocketPath(dir))).toBe(false);
    expect(engine.disposed).toBe(true);
  });

  it("shows the engine's log lines by their topic, whatever their sentence says", async () => {
    launchesRunning();
    const log = (level: 'info' | 'warn' | 'error', topic: LogTopic, message: string, kind?: 'vm' | 'vde_switch') =>
      engine.emit({
        type: 'log',
        lab: 'pair',
        level,
        topic,
        message,
        time: 0,
        ...(kind ? { process: { id: `p-${kind}`, kind } } : {}),
      });
    engine.on('launch', () => {
      log('info', 'guest-build', 'fetching the kernel package');
      log('warn', 'preflight', 'a preflight warning the preflight event printed');
      log('error', 'exit', 'the switch is gone', 'vde_switch');
      log('error', 'exit', 'the guest is gone', 'vm');
      log('error', 'recovery', 'could not delete tap qn1');
      log('info', 'process', 'starting vm vm-server', 'vm');
      return { ok: true, lab: 'pair', status: fakeLab('pair', join(dir, 'pair')) };
    });
    const io = capture();
    const running = upCommand([file, '--state-dir', dir], io, { createEngine: () => engine, onSignal });
    await until(() => io.out_().includes('is running'), 'the lab to run');
    const printed = io.out_() + io.err_();
    expect(printed).toContain('fetching the kernel package');
    expect(printed).toContain('error: the switch is gone');
    expect(printed).toContain('error: could not delete tap qn1');
    expect(printed).not.toContain('the guest is gone');
    expect(printed).not.toContain('a preflight warning the preflight event printed');
    expect(printed).not.toContain('starting vm vm-server');
    signal('SIGINT');
    expect(await running).toBe(0);
  });

  it('exits 0 when qnet down stops the lab through the control socket', async () => {
    launchesRunning();
    const io = capture();
    const running = upCommand([file, '--state-dir', dir], io, { createEngine: () => engine, onSignal });
    await until(() => io.out_().includes('is running'), 'the lab to run');
    engine.on('list', () => ({ ok: true, labs: [fakeLab('pair', join(dir, 'pair'))] }));
    const downIo = capture();
    expect(await downCommand(['pair', '--state-dir', dir], downIo)).toBe(0);
    expect(downIo.out_()).toContain('undone: Create network namespace qn-pair');
    expect(downIo.out_()).toContain('stopped pair');
    expect(await running).toBe(0);
    expect(io.out_()).toContain('stopped from outside');
  });

  it('a signal during the launch stops the lab being launched', async () => {
    let abort: () => void = () => {};
    engine.on(
      'launch',
      () => new Promise((resolve) => (abort = () => resolve(fail('INVALID_REQUEST', 'stopped before it started')))),
    );
    engine.on('list', () => ({ ok: true, labs: [fakeLab('pair', join(dir, 'pair'), 'starting')] }));
    engine.on('stop', () => (abort(), { ok: true, lab: 'pair' }));
    const io = capture();
    const running = upCommand([file, '--state-dir', dir], io, { createEngine: () => engine, onSignal });
    await until(() => engine.requests.length === 1, 'the launch');
    signal('SIGTERM');
    expect(await running).toBe(0);
    expect(engine.requests.map((r) => r.type)).toEqual(['launch', 'list', 'stop']);
    expect(io.out_()).toContain('SIGTERM: stopping the lab');
  });

  it('exits 1 with the preflight problems and their fixes when preflight fails', async () => {
    const problem = {
      code: 'PREFLIGHT_PORT_IN_USE',
      severity: 'error',
      message: 'port 40500 is in use (link wire)',
      nodes: [],
      links: ['wire'],
      fix: { label: 'free the port' },
    } as const;
    engine.on('launch', () => {
      engine.emit({ type: 'preflight', lab: 'pair', problems: [problem] });
      return fail('PREFLIGHT_FAILED', problem.message, [problem]);
    });
    const io = capture();
    expect(await upCommand([file, '--state-dir', dir], io, { createEngine: () => engine, onSignal })).toBe(1);
    expect(io.err_()).toContain('error PREFLIGHT_PORT_IN_USE: port 40500 is in use (link wire)');
    expect(io.err_()).toContain('fix: free the port');
    expect(io.err_()).toContain('qnet up: preflight failed (1 problem); nothing was started');
    expect(io.err_().match(/PREFLIGHT_PORT_IN_USE/g)).toHaveLength(1);
    expect(existsSync(controlSocketPath(dir))).toBe(false);
  });

  it('stops the lab once every guest has ended, exit 1 when one crashed (with its stderr tail)', async () => {
    launchesRunning();
    const io = capture();
    const running = upCommand([file, '--state-dir', dir], io, { createEngine: () => engine, onSignal });
    await until(() => io.out_().includes('is running'), 'the lab to run');
    engine.emit({
      type: 'vmState',
      lab: 'pair',
      vm: 'server',
      state: { state: 'crashed', exit: { code: null, signal: 'SIGKILL' }, stderrTail: 'qemu: terminating on signal 9' },
    });
    engine.emit({ type: 'vmState', lab: 'pair', vm: 'client', state: { state: 'stopped' } });
    expect(await running).toBe(1);
    expect(io.err_()).toContain('server: crashed (killed by SIGKILL), stderr:\n    qemu: terminating on signal 9');
    expect(io.out_()).toContain('every guest of pair has ended');
    expect(engine.requests.map((r) => r.type)).toContain('stop');
  });
});

describe('qnet status', () => {
  it('lists live labs with their guests and stale ones; --json carries the engine', async () => {
    engine.on('list', () => ({ ok: true, labs: [fakeLab('pair', join(dir, 'pair'))] }));
    await serve();
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'old', JOURNAL_FILE), '');
    const io = capture();
    expect(await statusCommand(['--state-dir', dir], io)).toBe(0);
    expect(io.out_()).toContain(
      `pair: running (engine pid ${process.pid}, ${join(dir, 'pair')})\n  server: running (pid 101)\n  client: running (pid 102)`,
    );
    expect(io.out_()).toContain('old: stale: the engine is gone; run "qnet down old"');
    const json = capture();
    expect(await statusCommand(['--json', '--state-dir', dir], json)).toBe(0);
    const parsed = JSON.parse(json.out_()) as { labs: { lab: string; state: string; engine: unknown }[] };
    expect(parsed.labs.map((l) => [l.lab, l.state, l.engine])).toEqual([
      ['pair', 'running', { pid: process.pid, socket: controlSocketPath(dir) }],
      ['old', 'stale', null],
    ]);
  });

  it('says so when there are no labs', async () => {
    const io = capture();
    expect(await statusCommand(['--state-dir', dir], io)).toBe(0);
    expect(io.out_()).toBe(`no labs under ${dir}\n`);
  });
});

describe('qnet down', () => {
  const report = (over: Partial<RecoveryReport> = {}): RecoveryReport => ({
    ok: true,
    killed: [{ proc: 'vm-server', pid: 4242 }],
    skipped: [],
    undone: ['Create network namespace qn-old'],
    unfinished: [],
    failures: [],
    removedFiles: ['a.sock'],
    hadJournal: true,
    ...over,
  });

  it('has nothing to do without labs (exit 0), and asks for a name among several (exit 2)', async () => {
    const io = capture();
    expect(await downCommand(['--state-dir', dir], io)).toBe(0);
    expect(io.out_()).toContain('nothing to stop');
    for (const lab of ['a', 'b']) {
      mkdirSync(join(dir, lab));
      writeFileSync(join(dir, lab, JOURNAL_FILE), '');
    }
    expect(await runCli(['down', '--state-dir', dir], capture())).toBe(2);
  });

  it('recovers a lab whose engine is gone from its journal, removing the dead control socket', async () => {
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'old', JOURNAL_FILE), '');
    writeFileSync(join(dir, 'engine-999999.sock'), ''); // nobody listens
    const recovered: string[] = [];
    const io = capture();
    const code = await downCommand(['--state-dir', dir], io, { recover: async (d) => (recovered.push(d), report()) });
    expect(code).toBe(0);
    expect(recovered).toEqual([join(dir, 'old')]);
    expect(io.out_()).toContain(
      'stopped vm-server (pid 4242)\nundone: Create network namespace qn-old\nremoved 1 runtime file\nstopped old\n',
    );
    expect(readdirSync(dir)).toEqual(['old']);
  });

  it('exits 1 when recovery could not undo everything', async () => {
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'old', JOURNAL_FILE), '');
    const io = capture();
    expect(
      await downCommand(['old', '--state-dir', dir], io, {
        recover: async () => report({ ok: false, failures: ['ip link del br0: busy'] }),
      }),
    ).toBe(1);
    expect(io.err_()).toContain('qnet down: ip link del br0: busy');
  });

  it('exits 1 for a lab that does not exist, and for a stop the engine refuses', async () => {
    const io = capture();
    expect(await runCli(['down', 'ghost', '--state-dir', dir], io)).toBe(1);
    expect(io.err_()).toContain('no lab "ghost"');
    engine.on('list', () => ({ ok: true, labs: [fakeLab('pair', join(dir, 'pair'))] }));
    engine.on('stop', () => fail('STEP_FAILED', 'teardown incomplete: ip netns del failed'));
    await serve();
    const io2 = capture();
    expect(await downCommand(['pair', '--state-dir', dir], io2)).toBe(1);
    expect(io2.err_()).toContain('teardown incomplete');
  });
});

describe('qnet console and qnet logs', () => {
  beforeEach(async () => {
    engine.on('list', () => ({ ok: true, labs: [fakeLab('pair', join(dir, 'pair'))] }));
    engine.on('consoleSubscribe', (r) => {
      setImmediate(() => engine.emit({ type: 'console', lab: r.lab, vm: r.vm, seq: 7, end: 12, data: 'live\n' }));
      return { ok: true, subscription: 'c1', seq: 0, end: 7, backlog: 'boot\n$ ', truncated: false };
    });
    engine.on('consoleUnsubscribe', () => ({ ok: true }));
    engine.on('consoleInput', () => ({ ok: true }));
    await serve();
  });

  it('pipe mode: prints the backlog then live output, forwards stdin, detaches at end of input', async () => {
    const input = new PassThrough();
    let out = '';
    const io = capture();
    const attached = consoleCommand(['pair', 'server', '--state-dir', dir], io, {
      input,
      write: (d) => void (out += d),
    });
    await until(() => out.includes('live'), 'live output');
    expect(out).toBe('boot\n$ live\n');
    input.write('ping -c 1 10.0.5.2\n');
    input.end();
    expect(await attached).toBe(0);
    expect(engine.requests.filter((r) => r.type === 'consoleInput')).toEqual([
      { type: 'consoleInput', lab: 'pair', vm: 'server', data: 'ping -c 1 10.0.5.2\n' },
    ]);
    expect(io.err_()).toContain('[attached to pair/server]');
    expect(io.err_()).toContain('[detached (end of input)]');
    await until(() => engine.requests.some((r) => r.type === 'consoleUnsubscribe'), 'the subscription to go');
  });

  it('terminal mode: raw input, Ctrl+] detaches after sending what came before it', async () => {
    const input = Object.assign(new PassThrough(), {
      isTTY: true,
      raw: [] as boolean[],
      setRawMode(raw: boolean) {
        input.raw.push(raw);
      },
    });
    const io = capture();
    const attached = consoleCommand(['pair', 'client', '--state-dir', dir], io, { input, write: () => {} });
    await until(() => io.err_().includes('attached'), 'the attach');
    input.write('ls\x1dignored');
    expect(await attached).toBe(0);
    expect(input.raw).toEqual([true, false]);
    expect(engine.requests.filter((r) => r.type === 'consoleInput').map((r) => (r as { data: string }).data)).toEqual([
      'ls',
    ]);
    expect(io.err_()).toContain('Ctrl+] detaches');
    expect(io.err_()).toContain('[detached]');
  });

  it('exits 1 naming the guests when the VM is unknown, and when the guest crashes', async () => {
    const io = capture();
    expect(await runCli(['console', 'pair', 'nope', '--state-dir', dir], io)).toBe(1);
    expect(io.err_()).toContain('has no guest "nope" (guests: server, client)');
    const input = new PassThrough();
    const io2 = capture();
    const attached = consoleCommand(['pair', 'server', '--state-dir', dir], io2, { input, write: () => {} });
    await until(() => io2.err_().includes('attached'), 'the attach');
    engine.emit({
      type: 'vmState',
      lab: 'pair',
      vm: 'server',
      state: { state: 'crashed', exit: { code: 1, signal: null }, stderrTail: '' },
    });
    expect(await attached).toBe(1);
    expect(io2.err_()).toContain('[server crashed (exit code 1)]');
  });

  it('logs prints the buffered console through the engine, and follows until the guest stops', async () => {
    engine.on('consoleRead', () => ({ ok: true, data: 'boot\nQNET-READY\n', seq: 0, end: 16, truncated: false }));
    const io = capture();
    expect(await logsCommand(['pair', 'server', '--state-dir', dir], io)).toBe(0);
    expect(io.out_()).toBe('boot\nQNET-READY\n');
    const follow = capture();
    const following = logsCommand(['pair', 'server', '-f', '--state-dir', dir], follow, { onSignal: () => () => {} });
    await until(() => follow.out_().includes('live'), 'live output');
    engine.emit({ type: 'vmState', lab: 'pair', vm: 'server', state: { state: 'stopped' } });
    expect(await following).toBe(0);
    expect(follow.out_()).toBe('boot\n$ live\n');
  });

  it('logs reads the console log file when the engine is gone', async () => {
    await server?.close();
    server = null;
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'old', 'server.console.log'), 'old output\n');
    const io = capture();
    expect(await logsCommand(['old', 'server', '--state-dir', dir], io)).toBe(0);
    expect(io.out_()).toBe('old output\n');
    expect(io.err_()).toContain('not running');
    const io2 = capture();
    expect(await runCli(['logs', 'old', 'client', '--state-dir', dir], io2)).toBe(1);
    expect(io2.err_()).toContain('no console log for "client"');
  });
});
