import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostStep, LabPlan, ProcessPlan } from '../compiler/plan';
import { shellLine, shellQuote } from './quote';
import { emitScripts } from './scripts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const FAKEBIN = join(FIXTURES, 'fakebin');

/** One sandbox per test: a state dir whose name is hostile, a canary that no script may create, fake programs. */
interface Sandbox {
  readonly root: string;
  readonly state: string;
  readonly canary: string;
  readonly rec: string;
  readonly out: string;
}
let box: Sandbox;
beforeEach(() => {
  const root = mkdtempSync(join(tmpdir(), 'qnet-emit-'));
  const canary = join(root, 'pwned');
  const state = join(root, `state 'q' $(touch ${canary}) \`touch ${canary}\` \n é`);
  box = { root, state, canary, rec: join(root, 'rec'), out: join(root, 'out') };
  spawnSync('mkdir', ['-p', box.rec, box.out]);
});
afterEach(() => {
  // Whatever a test left running is stopped by the lab's own down.sh before the sandbox goes.
  if (existsSync(join(box.out, 'down.sh'))) run('down.sh');
  expect(existsSync(box.canary)).toBe(false);
  rmSync(box.root, { recursive: true, force: true });
});

/**
 * A fixture plan with @STATE@ and @CANARY@ replaced (in every string, at any depth). Its processes run their fake as
 * `bash FAKE ARGS` unless `runnable` is false: then /proc shows exactly the argv the plan says, as for a real
 * program, which down.sh checks before it stops anything.
 */
function fixture(name: string, { runnable = true, state = box.state } = {}): LabPlan {
  const sub = (v: unknown): unknown =>
    typeof v === 'string'
      ? v.replaceAll('@STATE@', state).replaceAll('@CANARY@', box.canary).replaceAll('@BASE@', box.root)
      : Array.isArray(v)
        ? v.map(sub)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x)]))
          : v;
  const plan = sub(JSON.parse(readFileSync(join(FIXTURES, `${name}.plan.json`), 'utf8'))) as LabPlan;
  if (!runnable) return plan;
  const viaBash = (argv: readonly string[]) => ['bash', join(FAKEBIN, argv[0]!), ...argv.slice(1)];
  return {
    ...plan,
    processes: plan.processes.map((p) => ({ ...p, argv: viaBash(p.argv) })),
    vms: plan.vms.map((v) => ({ ...v, argv: viaBash(v.argv) })),
  };
}

/** Write the plan's exported files into the sandbox; returns them by path. */
function exportPlan(plan: LabPlan): Record<string, string> {
  const result = emitScripts(plan);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const files: Record<string, string> = {};
  for (const f of result.files) {
    writeFileSync(join(box.out, f.path), f.content);
    chmodSync(join(box.out, f.path), f.mode);
    files[f.path] = f.content;
  }
  return files;
}

/** Run an exported script with the fakes first in PATH. */
function run(script: string, args: string[] = [], fail = '', asUser: number | null = null) {
  const env = {
    ...process.env,
    PATH: `${FAKEBIN}:${process.env.PATH ?? ''}`,
    QNET_FAKE_REC: box.rec,
    QNET_FAKE_FAIL: fail,
  };
  const command = ['bash', join(box.out, script), ...args];
  const argv =
    asUser === null ? command : ['setpriv', `--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups', ...command];
  return spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env, timeout: 60_000 });
}

/** The argv the fakes recorded since the last call (program name first), in call order; sudo hops left out. */
function takeRecords(keepSudo = false): string[][] {
  const names = readdirSync(box.rec).sort();
  const records = names.map((n) => readFileSync(join(box.rec, n), 'utf8').split('\0').slice(0, -1));
  for (const n of names) rmSync(join(box.rec, n));
  return records.filter((r) => keepSudo || r[0] !== 'sudo');
}

/** What the fakes record for an argv run in the lab's netns: the `ip netns exec` hop, then the program itself. */
function recorded(argv: readonly string[], netns: string | null): string[][] {
  const program = argv[0] === 'bash' ? argv.slice(1) : argv;
  const own = [basename(program[0]!), ...program.slice(1)];
  return netns === null ? [own] : [['ip', 'netns', 'exec', netns, ...argv], own];
}
const stepRecords = (s: HostStep, argv: readonly string[], netns: string | null) =>
  recorded(argv, s.inNetns ? netns : null);
const procRecords = (p: ProcessPlan, plan: LabPlan, extra: string[] = []) =>
  recorded([...p.argv, ...extra], plan.netns);
const sorted = (rs: string[][]) => [...rs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

/** The words a shell reads from a command line. */
function bashWords(line: string): string[] {
  const r = spawnSync('bash', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return r.stdout.split('\0').slice(0, -1);
}

/** Every file left under a directory, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => !statSync(f).isDirectory());
}

/** Running, as /proc says (a zombie left for a non-reaping init counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
const jobPids = (): number[] =>
  filesUnder(box.state)
    .filter((f) => f.endsWith('.up.pid'))
    .map((f) => Number(readFileSync(f, 'utf8')));

describe.each(['host', 'netns'])('exported scripts of the %s fixture', (name) => {
  it('parse, hold every step as shellLine(argv), and each process argv once, in the array its start line expands', () => {
    const plan = fixture(name);
    const files = exportPlan(plan);
    for (const script of ['up.sh', 'down.sh']) {
      const check = spawnSync('bash', ['-n', join(box.out, script)], { encoding: 'utf8' });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
      expect(files[script]!.startsWith('#!/usr/bin/env bash\n')).toBe(true);
      expect(files[script]).toContain('\nset -euo pipefail\n');
    }
    const wrap = (argv: readonly string[], inNetns: boolean) =>
      shellLine(inNetns && plan.netns !== null ? ['ip', 'netns', 'exec', plan.netns, ...argv] : argv);
    for (const s of plan.hostSteps) {
      expect(files['up.sh']).toContain(wrap(s.argv, s.inNetns));
      if (s.undo !== null) expect(files['down.sh']).toContain(wrap(s.undo, s.inNetns));
    }
    for (const p of plan.processes) {
      // Stated once (up.sh starts it and is_proc recognizes it by the array), not once per form of is_proc.
      const words = p.argv.map(shellQuote).join(' ');
      expect(files['up.sh']!.split(words).length - 1, p.id).toBe(1);
      // (An argv word may hold a newline: the array is found by its words, its name on the line it starts.)
      const at = files['up.sh']!.indexOf(`=(${words})\n`);
      const array = /\n {2}(ARGV_\d+)$/.exec(files['up.sh']!.slice(0, at))?.[1];
      expect(array, p.id).toBeDefined();
      expect(files['up.sh']).toContain(`${plan.netns !== null ? `${wrap([], true)} ` : ''}"\${${array}[@]}"`);
    }
    expect(JSON.parse(files['plan.json']!)).toEqual(plan);
    expect(files['README.txt']).toContain('up.sh [--paused]');
  });

  it('up.sh runs exactly the plan argv, in dependency order; down.sh undoes them in reverse and cleans up', () => {
    const plan = fixture(name);
    exportPlan(plan);
    const up = run('up.sh');
    expect(up.stderr).toBe('');
    expect(up.status).toBe(0);
    const records = takeRecords();

    const steps = plan.hostSteps.flatMap((s) => stepRecords(s, s.argv, plan.netns));
    expect(records.slice(0, steps.length)).toEqual(steps);
    const procs = records.slice(steps.length);
    expect(sorted(procs)).toEqual(sorted(plan.processes.flatMap((p) => procRecords(p, plan))));
    const at = (p: ProcessPlan) =>
      procs.findIndex((r) => JSON.stringify(r) === JSON.stringify(procRecords(p, plan).at(-1)));
    for (const p of plan.processes) {
      for (const dep of plan.processes.filter((d) => p.dependsOn.includes(d.id) && d.ready.type !== 'none')) {
        expect(at(dep)).toBeLessThan(at(p));
      }
    }
    // Each attach command, read by a shell, is socat on the guest's console or QMP socket.
    const attach = [...up.stdout.matchAll(/attach: (.*)$/gm)].map((m) => bashWords(m[1]!));
    expect(attach).toEqual(
      plan.vms.flatMap((vm) => [vm.console, vm.qmp].map((p) => ['socat', '-', `UNIX-CONNECT:${p}`])),
    );

    const pids = jobPids();
    expect(pids).toHaveLength(plan.processes.length);
    expect(pids.every(alive)).toBe(true);

    const down = run('down.sh');
    expect(down.stderr).toBe('');
    expect(down.status).toBe(0);
    const undos = [...plan.hostSteps]
      .reverse()
      .flatMap((s) => (s.undo === null ? [] : stepRecords(s, s.undo, plan.netns)));
    expect(takeRecords()).toEqual(undos);
    expect(pids.some(alive)).toBe(false);
    expect(filesUnder(box.state).sort()).toEqual([...new Set(plan.processes.map((p) => p.stderrLog))].sort());

    const again = run('down.sh');
    expect(again.status).toBe(0);
    expect(takeRecords()).toEqual([]);
  });
});

describe('up.sh', () => {
  it('--paused appends -S to every guest, and to nothing else', () => {
    const plan = fixture('host');
    exportPlan(plan);
    expect(run('up.sh', ['--paused']).status).toBe(0);
    const procs = takeRecords().slice(plan.hostSteps.length);
    const expected = plan.processes.flatMap((p) => procRecords(p, plan, p.kind === 'vm' ? ['-S'] : []));
    expect(sorted(procs)).toEqual(sorted(expected));
  });

  it("a guest's console TCP port is relayed by socat on the host's loopback, outside the lab's namespace, and stopped by down.sh", () => {
    const base = fixture('netns', { runnable: false });
    const port = { proto: 'tcp', host: '127.0.0.1', port: 5000, what: 'console', node: base.vms[0]!.node } as const;
    const plan = { ...base, vms: base.vms.map((v, i) => (i === 0 ? { ...v, ports: [port] } : v)) };
    const files = exportPlan(plan);
    const up = files['up.sh']!;
    // The relay comes last, so its array ends where lab_argvs returns (a hostile state path may hold newlines).
    const at = up.indexOf('=(socat ');
    const name = up.slice(up.lastIndexOf('\n', at) + 1, at).trim();
    expect(name).toMatch(/^ARGV_\d+$/);
    const words = up.slice(at + '=(socat '.length, up.indexOf(')\n  return 0\n', at));
    expect(bashWords(words.replaceAll('"$STATE"', box.state))).toEqual([
      'TCP-LISTEN:5000,bind=127.0.0.1,reuseaddr,fork',
      `UNIX-CONNECT:${plan.vms[0]!.console}`,
    ]);
    // Started as the lab's processes are (root in a netns lab), but never in the namespace, where 127.0.0.1 is the lab's.
    expect(up).toContain(`\n"\${PROC_AS[@]}" "\${${name}[@]}" </dev/null >>`);
    expect(up).toContain(`runs_argv "$1" sudo -- "\${${name}[@]}"`);
    expect(up).toMatch(/^wait_listen 'console-relay \S+' 127\.0\.0\.1 5000 /m);
    // A port another program listens on is refused before anything starts (before the rollback trap is set).
    const free = up.indexOf(`\nport_free ${shellQuote(plan.vms[0]!.node)} 127.0.0.1 5000\n`);
    expect(free).toBeGreaterThan(-1);
    expect(free).toBeLessThan(up.indexOf('\ntrap on_exit EXIT\n'));
    expect(up).toMatch(/^need socat socat$/m);
    expect(up).toContain("say '  console on 127.0.0.1:5000: nc 127.0.0.1 5000'");
    expect(files['README.txt']).toContain('console TCP: nc 127.0.0.1 5000');
    // down.sh stops it first (reverse start order), by the same recognizer.
    const down = files['down.sh']!;
    const stops = down.split('\n').filter((l) => l.startsWith('  stop_proc '));
    expect(stops[0]).toMatch(/^ {2}stop_proc 'console-relay \S+' is_proc_\d+ /);
  });

  it('a second up.sh of a running lab says "already up" before it reads a kept clone (QEMU holds its lock)', () => {
    const base = fixture('netns', { runnable: false });
    const overlay = {
      base: '/images/base.qcow2',
      baseFormat: 'qcow2',
      path: join(box.state, 'vm1.qcow2'),
      create: ['qemu-img', 'create', '-f', 'qcow2', '-b', '/images/base.qcow2', '-F', 'qcow2', 'x'],
      info: ['qemu-img', 'info', '--output=json', join(box.state, 'vm1.qcow2')],
      rebase: ['qemu-img', 'rebase', '-u', '-b', '/images/base.qcow2', '-F', 'qcow2', 'x'],
      keep: true,
    } as const;
    const disk = { nodeName: 'd0', file: overlay.path, format: 'qcow2', persistent: true, overlay } as const;
    const plan = { ...base, vms: base.vms.map((v, i) => (i === 0 ? { ...v, disks: [disk] } : v)) };
    const up = exportPlan(plan)['up.sh']!;
    const clone = up.indexOf('could not read its kept linked clone');
    expect(clone).toBeGreaterThan(-1);
    expect(up.indexOf('($JOURNAL exists)')).toBeGreaterThan(-1);
    expect(up.indexOf('($JOURNAL exists)')).toBeLessThan(clone);
    expect(up.lastIndexOf('\nrefuse_running ', clone)).toBeGreaterThan(up.indexOf('($JOURNAL exists)'));
  });

  it('--paused says how to resume each guest over QMP with socat', () => {
    const plan = fixture('host');
    exportPlan(plan);
    const up = run('up.sh', ['--paused']);
    expect(up.status).toBe(0);
    const resume = [...up.stdout.matchAll(/resume with: (.*)$/gm)].map((m) => m[1]!);
    expect(resume).toHaveLength(plan.vms.length);
    for (const [i, vm] of plan.vms.entries()) {
      const [printf, socat] = resume[i]!.split(' | ');
      expect(bashWords(printf!)).toEqual(['printf', '%s\\n', '{"execute":"qmp_capabilities"}', '{"execute":"cont"}']);
      expect(bashWords(socat!)).toEqual(['socat', '-', `UNIX-CONNECT:${vm.qmp}`]);
    }
  });

  it('runs a lab exported with <base>/<lab> from the state directory given when it runs (--state-dir), and down.sh stops it there', () => {
    const exported = join(box.root, 'exporter');
    const plan = { ...fixture('host', { state: join(exported, 'movlab') }), lab: 'movlab' };
    exportPlan(plan);
    const elsewhere = join(box.root, 'runner');
    const up = run('up.sh', ['--state-dir', elsewhere]);
    expect(up.stderr).toBe('');
    expect(up.status).toBe(0);
    const moved = (argv: readonly string[]) =>
      argv.map((w) => w.replaceAll(join(exported, 'movlab'), join(elsewhere, 'movlab')));
    const procs = takeRecords().slice(plan.hostSteps.length);
    expect(sorted(procs)).toEqual(sorted(plan.processes.flatMap((p) => recorded(moved(p.argv), null))));
    expect(existsSync(exported), "the exporter's directory is not used").toBe(false);
    expect(up.stdout).toContain(`stop it with: ${join(box.out, 'down.sh')} --state-dir ${elsewhere}`);
    const pids = readdirSync(join(elsewhere, 'movlab'))
      .filter((f) => f.endsWith('.up.pid'))
      .map((f) => Number(readFileSync(join(elsewhere, 'movlab', f), 'utf8')));
    expect(pids.filter(alive)).toHaveLength(plan.processes.length);
    expect(run('down.sh', ['--state-dir', elsewhere]).status).toBe(0);
    expect(pids.some(alive)).toBe(false);
    takeRecords();
    // Too long a directory for the lab's sockets is refused before anything runs.
    const long = run('up.sh', ['--state-dir', `/${'d'.repeat(100)}`]);
    expect(long.status).not.toBe(0);
    expect(long.stderr).toMatch(/too long for the lab's socket paths .*: pass --state-dir with a shorter one/);
    expect(takeRecords()).toEqual([]);
  });

  it('rolls back the done steps, never the step that failed, and exits non-zero when a host step fails', () => {
    const plan = fixture('host');
    exportPlan(plan);
    const up = run('up.sh', [], 'qnt 1'); // the fake ip fails on the tap step (step 2), as on "File exists"
    expect(up.status).not.toBe(0);
    expect(up.stderr).toMatch(/step 2 failed/);
    expect(up.stderr).toMatch(/rolled back/);
    const [s1, s2] = plan.hostSteps;
    // The tap step failed: what has its name is not the lab's, so its undo (which would delete it) never runs.
    expect(takeRecords()).toEqual([s1!.argv, s2!.argv, s1!.undo!]);
    expect(filesUnder(box.state)).toEqual([]);
  });

  it('refuses, before doing anything, a bridge, tap or ifb name that exists and an uplink already in a bridge', () => {
    const plan = fixture('host');
    const uplink: HostStep = {
      id: 'uplink-b-eth9',
      argv: ['ip', 'link', 'set', 'eth9', 'master', 'qnb0'],
      undo: ['ip', 'link', 'set', 'eth9', 'nomaster'],
      needsRoot: true,
      description: 'Enslave eth9',
      inNetns: false,
      enslaves: 'eth9',
    };
    // An ifb of live shaping, made by the last step: its leftover must stop up.sh before step 1 too.
    const ifb: HostStep = {
      id: 'ifb-l1',
      argv: ['ip', 'link', 'add', 'qnifb0', 'type', 'ifb'],
      undo: ['ip', 'link', 'del', 'qnifb0'],
      needsRoot: true,
      description: 'Create ifb qnifb0',
      inNetns: false,
      creates: { kind: 'ifb', name: 'qnifb0' },
    };
    exportPlan({ ...plan, hostSteps: [...plan.hostSteps, uplink, ifb] });
    const cases: [string, RegExp][] = [
      [
        'qnb0= eth9=',
        /bridge qnb0 already exists on this host: rename it in the topology, or remove it \(ip link del qnb0\) if it is left from this lab/,
      ],
      ['eth9=br-lan', /the uplink eth9 is already in a bridge/],
      ['', /the uplink eth9 is not an interface of this host/],
      ['qnifb0= eth9=', /ifb qnifb0 already exists on this host/],
    ];
    for (const [links, message] of cases) {
      const up = spawnSync('bash', [join(box.out, 'up.sh')], {
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${FAKEBIN}:${process.env.PATH ?? ''}`,
          QNET_FAKE_REC: box.rec,
          QNET_FAKE_LINKS: links,
        },
      });
      expect(up.status, links).not.toBe(0);
      expect(up.stderr).toMatch(message);
      expect(up.stderr).not.toMatch(/undo|rolled back/);
      expect(takeRecords()).toEqual([]);
      expect(existsSync(join(box.state, 'up.journal'))).toBe(false);
    }
  });

  it('leaves alone, with its undo to run by hand, a step begun and never settled (up.sh killed while it ran)', () => {
    const plan = fixture('host');
    const files = exportPlan(plan);
    const token = /journal begin (step_2_[0-9a-f]+)/.exec(files['up.sh']!)![1]!;
    const first = /journal begin (step_1_[0-9a-f]+)/.exec(files['up.sh']!)![1]!;
    spawnSync('mkdir', ['-p', box.state]);
    writeFileSync(join(box.state, 'up.journal'), `begin ${first}\ndone ${first}\nbegin ${token}\n`);
    const down = run('down.sh');
    expect(down.status).toBe(0);
    const [s1, s2] = plan.hostSteps;
    expect(takeRecords()).toEqual([s1!.undo!]);
    expect(down.stderr).toContain(
      `step 2 (${s2!.description}) did not finish: what it names may exist from before, so it is left alone; if it is left from this lab, remove it with: ${shellLine(s2!.undo!)}`,
    );
  });

  it('rolls back started processes too when a guest dies before it is ready', () => {
    const plan = fixture('host');
    exportPlan(plan);
    const up = run('up.sh', [], 'vm2'); // the fake qemu exits 1 when it sees -name vm2
    expect(up.status).not.toBe(0);
    expect(up.stderr).toMatch(/vm vm2 exited before it was ready/);
    const undos = [...plan.hostSteps].reverse().flatMap((s) => (s.undo === null ? [] : [s.undo]));
    expect(takeRecords().slice(-undos.length)).toEqual(undos);
    expect(filesUnder(box.state).filter((f) => !plan.processes.some((p) => p.stderrLog === f))).toEqual([]);
    expect(jobPids().filter(alive)).toEqual([]);
  });

  it('refuses to start over a running lab, without touching it', () => {
    exportPlan(fixture('host'));
    expect(run('up.sh').status).toBe(0);
    const pids = jobPids();
    takeRecords();
    const second = run('up.sh');
    expect(second.status).not.toBe(0);
    expect(second.stderr).toMatch(/run down\.sh first/);
    expect(takeRecords()).toEqual([]);
    expect(pids.every(alive)).toBe(true);
  });

  // On main, is_ours compared basenames: any process with an argument named qemu-system-x86_64 was "ours".
  it('down.sh stops only a process running the exact argv up.sh started, whatever a pidfile says', () => {
    const plan = fixture('host');
    exportPlan(plan);
    expect(run('up.sh').status).toBe(0);
    const fakes = jobPids();
    const innocent = spawn('bash', ['-c', 'sleep 1000; :', 'qemu-system-x86_64'], { stdio: 'ignore', detached: true });
    try {
      for (const f of ['vm1.up.pid', 'vm1.pid']) writeFileSync(join(box.state, f), `${innocent.pid}\n`);
      const down = run('down.sh');
      expect(down.status).toBe(0);
      expect(alive(innocent.pid!)).toBe(true);
      expect(down.stdout).not.toContain(`pid ${innocent.pid}`);
    } finally {
      process.kill(-innocent.pid!, 'SIGKILL'); // bash and its sleep
      for (const pid of fakes) if (alive(pid)) process.kill(pid, 'SIGTERM');
    }
  });

  it('keeps stdin of a holdStdin process open (the fake vde_switch, like the real one, exits on EOF)', () => {
    const plan = fixture('host');
    exportPlan({ ...plan, processes: plan.processes.map((p) => ({ ...p, holdStdin: false })) });
    const up = run('up.sh');
    expect(up.status).not.toBe(0);
    expect(up.stderr).toMatch(/vde_switch sw0 exited/);
  });

  // Runs where the tests run as root (CI, this container): a non-root user goes through sudo (a fake here).
  it.runIf(process.getuid?.() === 0)('as a non-root user, runs root steps and netns processes through sudo', () => {
    const plan = fixture('netns');
    exportPlan(plan);
    for (const dir of [box.rec, box.out]) chmodSync(dir, 0o777);
    chmodSync(box.root, 0o1777); // like /tmp: the user makes the state directory in it, and owns it
    const up = run('up.sh', [], '', 65534);
    expect(up.stderr).toBe('');
    expect(up.status).toBe(0);
    const sudo = takeRecords(true)
      .filter((r) => r[0] === 'sudo')
      .map((r) => r.slice(1));
    const netns = (argv: readonly string[]) => ['ip', 'netns', 'exec', plan.netns!, ...argv];
    const expected = [
      ['-v'],
      ...plan.hostSteps.map((s) => ['--', ...(s.inNetns ? netns(s.argv) : s.argv)]),
      ...plan.processes.map((p) => ['--', ...netns(p.argv)]),
    ];
    for (const e of expected) expect(sudo).toContainEqual(e);
    const pids = jobPids();
    expect(pids.every(alive)).toBe(true);
    const down = run('down.sh', [], '', 65534);
    expect(down.stderr).toBe('');
    expect(down.status).toBe(0);
    expect(pids.some(alive)).toBe(false);
    expect(filesUnder(box.state).sort()).toEqual([...new Set(plan.processes.map((p) => p.stderrLog))].sort());
  });

  it("refuses a state directory that is not the user's alone (another's, writable by others, through a symlink)", () => {
    exportPlan(fixture('host'));
    spawnSync('mkdir', ['-p', box.state]);
    chmodSync(box.state, 0o777);
    const open = run('up.sh');
    expect(open.status).not.toBe(0);
    expect(open.stderr).toContain(
      `the state directory ${box.state} is writable by others (mode 777): chmod 700 ${box.state}`,
    );
    chmodSync(box.state, 0o700);
    if (process.getuid?.() === 0) {
      spawnSync('chown', ['65534', box.state]);
      const theirs = run('up.sh');
      expect(theirs.status).not.toBe(0);
      expect(theirs.stderr).toContain(
        `the state directory ${box.state} belongs to uid 65534, not to you (uid 0): use a directory of your own`,
      );
      spawnSync('chown', ['0', box.state]);
    }
    rmSync(box.state, { recursive: true });
    mkdirSync(join(box.root, 'real'), { mode: 0o700 });
    symlinkSync(join(box.root, 'real'), box.state);
    const linked = run('up.sh');
    expect(linked.status).not.toBe(0);
    expect(linked.stderr).toContain(
      `the state directory ${box.state} is reached through a symlink (its real path is ${join(box.root, 'real')})`,
    );
    expect(takeRecords()).toEqual([]);
  });

  it('names the missing program and its Debian package before doing anything', () => {
    const plan = fixture('host', { runnable: false });
    const processes = plan.processes.map((p) =>
      p.id === 'sw0' ? { ...p, argv: ['qnet-no-such-program', ...p.argv.slice(1)] } : p,
    );
    const files = exportPlan({ ...plan, processes });
    expect(files['up.sh']).toContain('\nneed qemu-system-x86_64 qemu-system-x86\n');
    const up = run('up.sh');
    expect(up.status).not.toBe(0);
    expect(up.stderr).toMatch(/missing program qnet-no-such-program/);
    expect(takeRecords()).toEqual([]);
  });
});

describe('emitScripts', () => {
  it('is deterministic', () => {
    const plan = fixture('netns');
    expect(emitScripts(plan)).toEqual(emitScripts(structuredClone(plan)));
  });

  it('refuses, with codes and paths, what cannot be exported', () => {
    const plan = fixture('host');
    const bad: LabPlan = {
      ...plan,
      hostSteps: [
        { ...plan.hostSteps[0]!, argv: ['ip', 'a\0b'] },
        { ...plan.hostSteps[1]!, inNetns: true },
      ],
      processes: [{ ...plan.processes[0]!, dependsOn: ['nope'] }],
    };
    const result = emitScripts(bad);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.code, e.path])).toEqual([
      ['EMIT_BAD_WORD', ['hostSteps', 0, 'argv', 1]],
      ['EMIT_NO_NETNS', ['hostSteps', 1, 'inNetns']],
      ['EMIT_UNKNOWN_DEPENDENCY', ['processes', 0, 'dependsOn', 0]],
    ]);
    const cycle = emitScripts({
      ...plan,
      processes: plan.processes.map((p) => ({ ...p, dependsOn: p.id === 'sw0' ? ['vm2'] : p.dependsOn })),
    });
    expect(cycle.ok === false && cycle.errors.map((e) => e.code)).toEqual(['EMIT_DEPENDENCY_CYCLE']);
  });
});

describe('exported scripts of a rootless (userns) plan', () => {
  /** The netns fixture as the compiler writes it for isolation userns, with a pasta joining the holder. */
  function usernsPlan(): LabPlan {
    // A plain state directory: the lines of up.sh are read one by one here (the hostile one is tested above).
    const state = join(box.root, 'plain');
    const plan = fixture('netns', { runnable: false, state });
    const pasta: ProcessPlan = {
      id: 'pasta',
      kind: 'pasta',
      node: 'nat0',
      argv: ['pasta', '--foreground', '--pid', `${state}/pasta.pid`, '-t', '127.0.0.1/8080', '-T', 'none'],
      dependsOn: ['vm1'],
      ready: { type: 'path', path: `${state}/pasta.pid` },
      holdStdin: false,
      pidfile: `${state}/pasta.pid`,
      stderrLog: `${state}/pasta.log`,
      joinsLab: true,
    };
    return {
      ...plan,
      netns: null,
      privilege: 'user',
      target: { ...plan.target, isolation: 'userns', privilege: 'user' },
      hostSteps: plan.hostSteps
        .filter((s) => s.id !== 'ns')
        .map((s) => ({ ...s, inNetns: true, needsRoot: false, undo: null })),
      processes: [...plan.processes, pasta],
    };
  }

  it('makes the namespace first, runs every step and process in it through nsenter, never sudo, ends the holder last', () => {
    const plan = usernsPlan();
    const { 'up.sh': up, 'down.sh': down } = exportPlan(plan);
    const lines = up!.split('\n');
    const holderAt = lines.indexOf('start_holder "$STATE/userns.log"');
    expect(holderAt).toBeGreaterThan(lines.findIndex((l) => l.startsWith('private_dir ')));
    const enter = 'nsenter --preserve-credentials -t "$HOLDER" -U -n -- ';
    for (const s of plan.hostSteps) {
      const at = lines.findIndex((l) => l.startsWith(enter + shellLine(s.argv)));
      expect(at, s.id).toBeGreaterThan(holderAt);
    }
    for (const [i, p] of plan.processes.entries()) {
      // pasta runs on the host side and joins the holder itself: its pid is pasta's last argument.
      const argv = `"\${ARGV_${i + 1}[@]}"`;
      const start = p.joinsLab ? `${argv} "\${JOIN_AS[@]}" "$HOLDER" ` : `${enter}${argv} `;
      expect(up!.indexOf(`\n${start}`), p.id).toBeGreaterThan(up!.indexOf('\nstart_holder '));
    }
    expect(up).not.toMatch(/\bas_root '|sudo -v|PROC_AS=\(sudo/);
    expect(down).toContain('read_holder || true');
    const teardown = down!.slice(down!.indexOf('teardown() {'));
    expect(teardown.indexOf('stop_holder')).toBeGreaterThan(teardown.indexOf('undo_journal'));
    // bash reads the holder's word as the pid up.sh found, after `--runas 0` when root runs it.
    const pasta = `ARGV_${plan.processes.length}`;
    const pastaLine = lines.find((l) => l.startsWith(`"\${${pasta}[@]}" `))!;
    const pastaArgv = lines.find((l) => l.startsWith(`  ${pasta}=(`))!;
    const words = (join: string) =>
      spawnSync(
        'bash',
        [
          '-c',
          `HOLDER=4242; JOIN_AS=(${join}); ${pastaArgv}; printf '%s\\0' ${pastaLine.replace(/ <\/dev\/null.*$/, '')}`,
        ],
        {
          encoding: 'utf8',
        },
      )
        .stdout.split('\0')
        .slice(0, -1);
    expect(words('')).toEqual([...plan.processes.at(-1)!.argv, '4242']);
    expect(words('--runas 0')).toEqual([...plan.processes.at(-1)!.argv, '--runas', '0', '4242']);
  });

  it('a holder that closed its gate before up.sh let it through: up.sh fails with a message and rolls back', () => {
    const plan = usernsPlan();
    exportPlan(plan);
    // A real unshare whose gate reads a pipe of its own: up.sh's gate pipe is closed when it says "go", as when the
    // holder ended right after it was recorded (SIGPIPE used to kill up.sh there, with no rollback and no message).
    const bin = join(box.root, 'bin');
    mkdirSync(bin);
    const unshare = spawnSync('bash', ['-c', 'command -v unshare'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(
      join(bin, 'unshare'),
      `#!/bin/bash\necho $$ >${shellQuote(join(box.rec, 'holder.pid'))}\nexec < <(exec sleep 2 </dev/null)\nexec ${shellQuote(unshare)} "$@"\n`,
      { mode: 0o755 },
    );
    const env = { ...process.env, PATH: `${bin}:${FAKEBIN}:${process.env.PATH ?? ''}`, QNET_FAKE_REC: box.rec };
    const r = spawnSync('bash', [join(box.out, 'up.sh')], { encoding: 'utf8', env, timeout: 60_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/the lab's namespace holder \(pid \d+\) ended before up\.sh let it through its gate/);
    expect(r.stderr).toContain('rolled back: nothing of this lab is left');
    expect(existsSync(join(plan.stateDir, 'userns.holder'))).toBe(false);
    const holder = Number(readFileSync(join(box.rec, 'holder.pid'), 'utf8'));
    expect(alive(holder), 'the holder is ended by the rollback').toBe(false);
  });

  it('down.sh leaves alone a recorded pid that is not in the recorded namespace, and forgets the record', () => {
    const plan = usernsPlan();
    exportPlan(plan);
    // The holder's own argv, in a namespace that is not the recorded one.
    const sleeper = spawn('sleep', ['infinity'], { stdio: 'ignore' });
    try {
      mkdirSync(plan.stateDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(plan.stateDir, 'userns.holder'), `${sleeper.pid} net:[1]\n`);
      const r = run('down.sh');
      expect(r.status, r.stderr).toBe(0);
      expect(alive(sleeper.pid!), 'a pid that is not the recorded holder is never killed').toBe(true);
      expect(existsSync(join(plan.stateDir, 'userns.holder'))).toBe(false);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});

describe('exported scripts of a netns plan whose guest publishes a port through its bridge', () => {
  it("starts pasta on the host (its argv names the lab's namespace), every other process under ip netns exec", () => {
    const state = join(box.root, 'plain');
    const plan = fixture('netns', { runnable: false, state });
    const pasta: ProcessPlan = {
      id: 'pasta',
      kind: 'pasta',
      node: 'br0',
      argv: ['pasta', '--foreground', '--pid', `${state}/pasta.pid`, '-t', '127.0.0.1/8080', '--netns', plan.netns!],
      dependsOn: ['vm1'],
      ready: { type: 'path', path: `${state}/pasta.pid` },
      holdStdin: false,
      pidfile: `${state}/pasta.pid`,
      stderrLog: `${state}/pasta.log`,
      joinsLab: true,
    };
    const withPasta = { ...plan, processes: [...plan.processes, pasta] };
    const { 'up.sh': up, 'down.sh': down } = exportPlan(withPasta);
    const starts = up!.split('\n').filter((l) => l.startsWith('"${PROC_AS[@]}" '));
    expect(starts).toHaveLength(withPasta.processes.length);
    withPasta.processes.forEach((p, i) => {
      const argv = `"\${ARGV_${i + 1}[@]}"`;
      const where = p.joinsLab ? '' : `ip netns exec ${shellQuote(plan.netns!)} `;
      expect(starts[i]!.startsWith(`"\${PROC_AS[@]}" ${where}${argv} `), `${p.id}: ${starts[i]}`).toBe(true);
    });
    // down.sh knows it as started: its own argv, as is.
    expect(down).toContain(`runs_argv "$1" "\${ARGV_${withPasta.processes.length}[@]}"`);
  });
});
