import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadTopology } from '../model/index';
import type { Topology } from '../model/schema';
import { compile, DEFAULT_TARGET, type Target } from '../compiler/index';
import type { Isolation, LabPlan, Privilege } from '../compiler/plan';
import { installBridgeAcl } from '../../electron/testkit/bridgeAcl';
import { exportLab, leftoverSpecialFiles, runScript, type ExportedLab } from '../../electron/testkit/exportedLab';
import { writePausedGuest } from '../../electron/testkit/fakeGuest';
import { addNetns, deleteNetns, linksIn, netnsExists } from '../../electron/testkit/netns';
import { argvOf, killPids, pidAlive, processesMentioning, readPidfile } from '../../electron/testkit/procs';
import { qmpQueryStatus } from '../../electron/testkit/qmp';
import { missingPrograms, netdevBackends, qemuVersion } from '../../electron/testkit/qemuProbe';
import { buildTinyGuest } from '../../electron/guest/build';
import { chosenQemu, fetchedQemu10 } from '../../electron/qemu/chosen';
import { qemuCacheDir } from '../../electron/engine/host-paths';
import type { ChosenQemu } from '../compiler/target';

/*
 * Real QEMU acceptance: every example of assets/examples (and a fixture that triggers QEMU's start-up warnings on
 * purpose) is loaded, compiled for this machine's QEMU, exported with emitScripts, and brought up with the exported
 * `up.sh --paused` inside the lab's own network namespace. Every guest must then be alive and answer QMP as paused,
 * and its stderr must hold exactly the warnings the compiler predicted (diagnostics[].qemuWarning), for that guest.
 * The exported `down.sh` must then leave nothing: no process, no namespace, no socket.
 *
 * Guests run paused (-S), so they need a kernel QEMU accepts at machine init but never runs: see fakeGuest.ts.
 * Needs root (namespaces, bridges, taps); CI runs as root. Without root every test fails and says so.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const EXAMPLES = join(HERE, '../../assets/examples');
const FIXTURES = join(HERE, 'fixtures');
const IS_ROOT = process.getuid?.() === 0;
const PREEMPTED = /has no peer|with no nics|is not connected to host network/;

function requireRoot(): void {
  if (!IS_ROOT) {
    throw new Error(
      'the real-QEMU acceptance suite needs root (it creates network namespaces, bridges and taps): run `sudo npx vitest run --project qemu` (CI runs as root)',
    );
  }
  const missing = missingPrograms([
    'qemu-system-x86_64',
    'qemu-system-aarch64',
    'vde_switch',
    'slirpvde',
    'dpdk-testpmd',
    'linux.uml',
    'ip',
    'bash',
  ]);
  if (missing.length > 0) throw new Error(`missing programs: ${missing.join(', ')}: run scripts/system-deps.sh`);
}

let base = '';
/** The target of this machine's installed QEMU; each QEMU's describe block sets `target` from it. */
let installed: Target;
let target: Target;
/** The real tiny guest's initramfs: a UML instance cannot be paused, so it boots it (a zero initrd panics it). */
let umlInitrd = '';

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'qnet-acc-'));
  if (!IS_ROOT) return;
  umlInitrd = (await buildTinyGuest({ arch: 'x86_64', log: () => {} })).initrd;
  const guest = writePausedGuest(join(base, 'guest'));
  installed = {
    ...DEFAULT_TARGET,
    qemuVersion: qemuVersion(),
    privilege: 'root',
    isolation: 'netns',
    netdevBackends: netdevBackends(),
    tinyGuest: { x86_64: guest, aarch64: guest },
  };
}, 900_000);
afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------------------ lab lifecycle

/** What one test set up, so afterEach can take it down even when the test failed half-way. */
interface Live {
  plan?: LabPlan;
  lab?: ExportedLab;
  /** A namespace the test made to stand in for the host (helper mode on an existing bridge). */
  hostNetns?: string;
  restoreAcl?: () => void;
}
let live: Live = {};

afterEach(() => {
  const { plan, lab, hostNetns, restoreAcl } = live;
  live = {};
  try {
    if (lab && existsSync(lab.down)) runScript(lab.down, [], { netns: hostNetns, timeoutMs: 60_000 });
    if (plan) {
      killPids(processesMentioning(plan.stateDir).map((p) => p.pid));
      if (plan.netns) deleteNetns(plan.netns);
    }
    if (hostNetns) deleteNetns(hostNetns);
  } finally {
    restoreAcl?.();
  }
});

function loadFile(path: string): Topology {
  const r = loadTopology(readFileSync(path, 'utf8'), path);
  if (!r.ok) throw new Error(`${path} does not load: ${JSON.stringify(r.errors, null, 2)}`);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  expect(errors, `${path}: load diagnostics`).toEqual([]);
  const nodes = r.topology.nodes.map((n) =>
    n.kind === 'uml' && n.initrd === undefined ? { ...n, initrd: umlInitrd } : n,
  );
  return { ...r.topology, nodes };
}

let seq = 0;
/** Compile for this machine with a fresh state directory; clears a namespace a crashed earlier run left. */
function compileFor(topology: Topology, privilege: Privilege, isolation: Isolation): LabPlan {
  const stateDir = join(base, `state-${seq++}`);
  mkdirSync(stateDir, { recursive: true });
  const plan = compile(topology, { ...target, privilege, isolation, stateDir });
  live.plan = plan;
  if (plan.netns && netnsExists(plan.netns)) deleteNetns(plan.netns);
  return plan;
}

const errorsOf = (plan: LabPlan) => plan.diagnostics.filter((d) => d.severity === 'error');
const warningLines = (text: string) => [...text.matchAll(/: warning: (.*)$/gm)].map((m) => m[1]!.trim());
const vmProcess = (plan: LabPlan, node: string) => plan.processes.find((p) => p.kind === 'vm' && p.node === node)!;

function up(plan: LabPlan, hostNetns?: string): ExportedLab {
  const lab = exportLab(plan, join(base, `export-${seq++}`));
  live.lab = lab;
  const r = runScript(lab.up, ['--paused'], { netns: hostNetns });
  expect(r.status, `up.sh --paused failed:\n${r.output}\n${stderrTails(plan)}`).toBe(0);
  return lab;
}

function stderrTails(plan: LabPlan): string {
  return plan.processes
    .map(
      (p) =>
        `--- ${p.id} (${p.stderrLog}):\n${existsSync(p.stderrLog) ? readFileSync(p.stderrLog, 'utf8').slice(-2000) : '(no log)'}`,
    )
    .join('\n');
}

/** Every guest alive, paused, answering QMP; its stderr holds exactly the predicted warnings; switches alive. */
async function expectPausedAndPredicted(plan: LabPlan): Promise<number[]> {
  const pids: number[] = [];
  for (const vm of plan.vms) {
    const pid = readPidfile(vm.pidfile);
    expect(pid, `${vm.name}: QEMU pidfile ${vm.pidfile}`).not.toBeNull();
    expect(pidAlive(pid!), `${vm.name}: pid ${pid} alive`).toBe(true);
    expect(argvOf(pid!)?.[0] ?? '', `${vm.name}: pid ${pid} is QEMU`).toMatch(/qemu-system-/);
    pids.push(pid!);
    // QMP answers only once the machine is built, i.e. after QEMU printed its network warnings.
    expect(['prelaunch', 'paused'], `${vm.name}: QMP status`).toContain(await qmpQueryStatus(vm.qmp));
  }
  for (const vm of plan.vms) {
    const log = readFileSync(vmProcess(plan, vm.node).stderrLog, 'utf8');
    const predicted = plan.diagnostics.filter((d) => d.qemuWarning?.vm === vm.node).map((d) => d.qemuWarning!.text);
    for (const text of predicted) expect(log, `${vm.name}: predicted warning "${text}"`).toContain(text);
    // Every warning printed was predicted, and nothing else is on stderr but warnings.
    expect(warningLines(log).sort(), `${vm.name}: warnings printed vs predicted\n${log}`).toEqual(
      [...predicted].sort(),
    );
    expect(
      log.split('\n').filter((l) => PREEMPTED.test(l) && !predicted.some((t) => l.includes(t))),
      `${vm.name}: unpredicted`,
    ).toEqual([]);
    expect(log, `${vm.name}: QEMU error on stderr`).not.toMatch(/qemu-system-[a-z0-9_]+: (?!warning: )/);
  }
  for (const p of plan.processes.filter((p) => p.kind !== 'vm')) {
    const running = processesMentioning(plan.stateDir).filter((q) => (q.argv[0] ?? '').endsWith(p.argv[0]!));
    expect(running.length, `${p.id} (${p.argv[0]}) running\n${stderrTails(plan)}`).toBeGreaterThan(0);
    pids.push(...running.map((q) => q.pid));
  }
  return pids;
}

/**
 * Every point-to-point listener of the plan has its peer connected: `-netdev socket,listen=…` and `-netdev stream,
 * server=on,…` (unix or inet) show an established connection inside the lab's namespace. This is what proves the
 * listener started before its connector: QEMU 7.2's socket connect to an absent listener neither fails nor retries.
 * A stream client with `reconnect-ms` (9.2+) is started with no order: it connects at its next try, so the check
 * gives it a few of its 1 s intervals.
 */
function expectPointToPointConnected(plan: LabPlan, netns: string): void {
  const reconnects = plan.vms.some((v) => v.argv.some((a) => /^stream,.*\breconnect-ms=/.test(a)));
  const ss = (args: string[]) =>
    spawnSync('ip', ['netns', 'exec', netns, 'ss', '-nH', ...args], { encoding: 'utf8' }).stdout;
  const settle = <T>(ask: () => T, done: (v: T) => boolean): T => {
    let v = ask();
    for (let i = 0; reconnects && !done(v) && i < 40; i++) {
      spawnSync('sleep', ['0.1']);
      v = ask();
    }
    return v;
  };
  for (const vm of plan.vms) {
    vm.argv.forEach((arg, i) => {
      if (vm.argv[i - 1] !== '-netdev') return;
      const listen =
        /^socket,.*\blisten=[^,:]*:(\d+)/.exec(arg) ??
        (/^stream,.*\bserver=on\b/.test(arg) ? /\baddr\.port=(\d+)/.exec(arg) : null);
      const path = /^stream,.*\bserver=on\b/.test(arg) ? /\baddr\.path=([^,]+)/.exec(arg) : null;
      if (listen) {
        const port = listen[1]!;
        expect(
          settle(
            () => ss(['-t', 'state', 'established', `( sport = :${port} )`]).trim(),
            (t) => t !== '',
          ),
          `${vm.name}: ${arg} has a connected peer`,
        ).not.toBe('');
      } else if (path) {
        const lines = settle(
          () =>
            ss(['-x', 'state', 'established'])
              .split('\n')
              .filter((l) => l.includes(path[1]!)),
          (l) => l.length > 0,
        );
        expect(lines.length, `${vm.name}: ${arg} has a connected peer`).toBeGreaterThan(0);
      }
    });
  }
}

/** down.sh succeeds and leaves nothing: no process of the lab, no namespace, no socket or FIFO in its state. */
function downAndExpectNothingLeft(plan: LabPlan, lab: ExportedLab, pids: readonly number[], hostNetns?: string): void {
  const r = runScript(lab.down, [], { netns: hostNetns });
  expect(r.status, `down.sh failed:\n${r.output}`).toBe(0);
  expect(pids.filter(pidAlive), 'processes of the lab still alive').toEqual([]);
  expect(
    processesMentioning(plan.stateDir).map((p) => p.argv.join(' ')),
    'processes mentioning the state dir',
  ).toEqual([]);
  if (plan.netns) expect(netnsExists(plan.netns), `netns ${plan.netns} left`).toBe(false);
  expect(leftoverSpecialFiles(plan.stateDir), 'sockets/FIFOs left in the state dir').toEqual([]);
}

// ------------------------------------------------------------------------------------------------ the examples

const exampleFiles = existsSync(EXAMPLES)
  ? readdirSync(EXAMPLES)
      .filter((f) => f.endsWith('.qnet.yaml'))
      .sort()
  : [];

/** The QEMUs every example runs on: the installed one (7.2 on Debian 12) and the fetched 10.0, as `--qemu` runs it. */
const QEMUS: { readonly name: string; readonly chosen: () => ChosenQemu | undefined }[] = [
  { name: 'the installed QEMU', chosen: () => undefined },
  { name: 'QEMU 10.0 (qnet qemu fetch)', chosen: () => chosenQemu(fetchedQemu10(qemuCacheDir())) },
];

/** The target for one QEMU: its version and backends asked of its own binary, with what it needs to run. */
function targetFor(chosen: ChosenQemu | undefined): Target {
  if (!chosen) return installed;
  const binary = chosen.binaries.x86_64!;
  return { ...installed, qemuVersion: qemuVersion(binary), netdevBackends: netdevBackends(binary), qemu: chosen };
}

describe.each(QEMUS)('on $name', ({ chosen }) => {
  beforeAll(() => {
    if (IS_ROOT) target = targetFor(chosen());
  });

  describe('assets/examples (paused, inside a network namespace)', () => {
    test('there is an example per DESIGN scenario', () => {
      expect(exampleFiles.map((f) => f.slice(0, 3))).toEqual([
        '01-',
        '02-',
        '03-',
        '04-',
        '05-',
        '06-',
        '07-',
        '08-',
        '09-',
        '11-',
        '12-',
      ]);
    });

    const launched = exampleFiles.filter((f) => !f.startsWith('03-') && !f.startsWith('08-'));
    test.each(launched)('%s: up.sh --paused starts every guest as compiled, down.sh leaves nothing', async (file) => {
      requireRoot();
      const plan = compileFor(loadFile(join(EXAMPLES, file)), 'root', 'netns');
      expect(errorsOf(plan), 'compile errors').toEqual([]);
      expect(plan.netns).not.toBeNull();
      const lab = up(plan);
      const pids = await expectPausedAndPredicted(plan);
      expectPointToPointConnected(plan, plan.netns!);
      downAndExpectNothingLeft(plan, lab, pids);
    });

    test('03-bridge-helper: guests join an existing bridge through qemu-bridge-helper and its ACL', async () => {
      requireRoot();
      const topology = loadFile(join(EXAMPLES, '03-bridge-helper.qnet.yaml'));
      // Helper mode attaches to a bridge that already exists (the example's bridge is external), and an external
      // bridge is invisible inside a lab namespace; so the lab runs with isolation "host" inside a namespace this
      // test makes to stand in for the host, holding that bridge. Nothing touches the real host network.
      const plan = compileFor(topology, 'helper', 'host');
      expect(errorsOf(plan), 'compile errors').toEqual([]);
      expect(plan.privilege).toBe('helper');
      const bridges = topology.nodes.flatMap((n) => (n.kind === 'bridge' ? [n.ifname ?? n.id] : []));
      expect(bridges.length).toBe(1);
      const br = bridges[0]!;
      for (const vm of plan.vms) expect(vm.argv.join(' ')).toContain(`-netdev bridge,`);

      const hostNetns = `qnt-helper-${process.pid}`;
      deleteNetns(hostNetns);
      live.hostNetns = hostNetns;
      addNetns(hostNetns);
      for (const argv of [
        ['link', 'add', br, 'type', 'bridge'],
        ['link', 'set', br, 'up'],
      ]) {
        const r = spawnSync('ip', ['-n', hostNetns, ...argv], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
      }
      live.restoreAcl = installBridgeAcl([`allow ${br}`]);

      const lab = up(plan, hostNetns);
      const taps = linksIn(hostNetns).filter((l) => l !== 'lo' && l !== br);
      expect(taps.length, `the helper made one tap per guest: ${taps.join(', ')}`).toBe(plan.vms.length);
      const pids = await expectPausedAndPredicted(plan);
      downAndExpectNothingLeft(plan, lab, pids, hostNetns);
      expect(
        linksIn(hostNetns).filter((l) => l !== 'lo' && l !== br),
        'taps left after down.sh',
      ).toEqual([]);
    });

    test('08-vhost-user-vdpa: each guest fails with the error QEMU gives for its absent backend; up.sh rolls back', async () => {
      requireRoot();
      const topology = loadFile(join(EXAMPLES, '08-vhost-user-vdpa.qnet.yaml'));
      const plan = compileFor(topology, 'root', 'netns');
      expect(errorsOf(plan), 'compile errors').toEqual([]);

      // The error each guest must exit with, from the backend node its NIC is linked to.
      const expected = new Map<string, string>();
      const nodeOf = (endpoint: string) => topology.nodes.find((n) => n.id === endpoint.split(':')[0]);
      for (const link of topology.links) {
        for (const [a, b] of [
          [link.a, link.b],
          [link.b, link.a],
        ] as const) {
          const vm = nodeOf(a);
          const backend = nodeOf(b);
          if (vm?.kind !== 'vm' || !backend) continue;
          if (backend.kind === 'vhost-user') {
            expect(existsSync(backend.socket), `${backend.socket} must be absent for this test`).toBe(false);
            // QEMU 7.2: "-chardev socket,…: Failed to connect to '<path>': No such file or directory"
            expected.set(vm.id, `Failed to connect to '${backend.socket}'`);
          }
          if (backend.kind === 'vdpa') {
            expect(existsSync(backend.vhostdev), `${backend.vhostdev} must be absent for this test`).toBe(false);
            // QEMU 7.2: "-netdev vhost-vdpa,…: Could not open '/dev/vhost-vdpa-0': No such file or directory"
            expected.set(vm.id, `Could not open '${backend.vhostdev}'`);
          }
        }
      }
      expect([...expected.keys()].sort()).toEqual(plan.vms.map((v) => v.node).sort());

      // Each guest alone, paused, in a namespace of its own: QEMU must exit by itself with the named error.
      const ns = `qnt-vhost-${process.pid}`;
      live.hostNetns = ns;
      deleteNetns(ns);
      addNetns(ns);
      mkdirSync(plan.stateDir, { recursive: true });
      for (const vm of plan.vms) {
        const r = spawnSync('ip', ['netns', 'exec', ns, ...vm.argv, '-S'], {
          env: { ...process.env, ...vmProcess(plan, vm.node).env },
          encoding: 'utf8',
          timeout: 30_000,
          killSignal: 'SIGKILL',
        });
        expect(r.signal, `${vm.name}: QEMU had to be killed (it did not fail by itself)\n${r.stderr}`).toBeNull();
        expect(r.status, `${vm.name}: exit status\n${r.stderr}`).toBe(1);
        expect(r.stderr, `${vm.name}: error`).toContain(expected.get(vm.node)!);
      }
      deleteNetns(ns);

      // The exported up.sh fails on the first guest and rolls everything back; down.sh then has nothing to do.
      const lab = exportLab(plan, join(base, `export-${seq++}`));
      live.lab = lab;
      const r = runScript(lab.up, ['--paused']);
      expect(r.status, r.output).not.toBe(0);
      expect(r.output).toMatch(/rolled back/);
      const logs = plan.processes
        .map((p) => (existsSync(p.stderrLog) ? readFileSync(p.stderrLog, 'utf8') : ''))
        .join('\n');
      expect(logs).toMatch(/Failed to connect to '|Could not open '\/dev\/vhost-vdpa/);
      downAndExpectNothingLeft(plan, lab, []);
    });
  });

  // ------------------------------------------------------------------------------------------------ predicted warnings

  describe('QEMU prints exactly the warnings the compiler pre-empts, where it predicted them', () => {
    test('fixture preempted-warnings: unlinked NIC, NIC-less hub, internal hub without uplink', async () => {
      requireRoot();
      const plan = compileFor(loadFile(join(FIXTURES, 'preempted-warnings.qnet.yaml')), 'root', 'netns');
      expect(errorsOf(plan), 'compile errors').toEqual([]);
      const predicted = plan.diagnostics.flatMap((d) => (d.qemuWarning ? [d.qemuWarning] : []));
      // The fixture is built to provoke these: the test is pointless if the compiler predicts none of them.
      expect(predicted.map((w) => w.text).join('\n')).toMatch(/^nic \S+ has no peer$/m);
      expect(predicted.map((w) => w.text).join('\n')).toMatch(/^hub \d+ is not connected to host network$/m);
      // A hub joining no VM NIC lives in no QEMU process: the compiler leaves it out (and says so) rather than let
      // QEMU print "hub N with no nics"; expectPausedAndPredicted checks QEMU indeed does not print it.
      expect(plan.diagnostics.some((d) => d.nodes.includes('orphan'))).toBe(true);
      const lab = up(plan);
      const pids = await expectPausedAndPredicted(plan);
      downAndExpectNothingLeft(plan, lab, pids);
    });
  });
});
