/**
 * Faults, each proven once and here, against real tiny guests through the engine's API (or a preflight that must
 * refuse): a guest killed under the lab, a guest failing at start-up, a port taken, a QEMU not installed, a host
 * step failing half way, the engine itself killed mid-lab, two labs at once. The supervisor's own reports
 * (supervisor.qemu.test.ts) and the CLI's `qnet down` of a stale lab (lab-cli.qemu.test.ts) are proven at their
 * level. After each test nothing is left, asserted in afterEach (which also cleans up by pid and `ip netns del`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { EngineEvent, VmState } from '../../../shared/api';
import { labSlug, netnsName } from '../../../shared/compiler/index';
import { netnsExists } from '../../testkit/netns';
import { pidAlive, processesMentioning } from '../../testkit/procs';
import { JOURNAL_FILE } from '../journal';
import { recoverLab } from '../recovery';
import { fileHooks, PING, stopAndCheck } from '../../testkit/scenarios/examples';
import {
  launchLab,
  launchRequest,
  leftovers,
  onCleanup,
  preflightOf,
  startChild,
  startEngine,
  topologyText,
  trackDir,
  trackNetns,
  type ScenarioLab,
} from '../../testkit/scenarios/harness';

fileHooks(['x86_64']);

function until(check: () => boolean, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) return resolve();
      if (Date.now() > end) return reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describe('faults', () => {
  test('a guest killed with SIGKILL is reported crashed with its exit status; the others keep running; stop cleans everything', async () => {
    const engine = startEngine();
    const lab = await launchLab(engine, topologyText('06-mcast-bus.qnet.yaml').text);
    const st = lab.status.vms.find((v) => v.vm === 'n3')?.state;
    expect(st?.state).toBe('running');
    const pid = st?.state === 'running' ? st.pid : 0;
    process.kill(pid, 'SIGKILL');
    const crashed = () => lab.vmStates().get('n3');
    await until(() => crashed()?.state === 'crashed', 'n3 reported crashed', 15_000);
    const c = crashed() as Extract<VmState, { state: 'crashed' }>;
    expect(c.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(typeof c.stderrTail).toBe('string');
    const status = await engine.api.request({ type: 'status', lab: lab.lab });
    expect(status.ok && status.status.state).toBe('running');
    const states = Object.fromEntries((status.ok ? status.status.vms : []).map((v) => [v.vm, v.state.state]));
    expect(states).toEqual({ n1: 'running', n2: 'running', n3: 'crashed' });
    expect(
      engine.events.some((e) => e.type === 'log' && e.lab === lab.lab && e.level === 'error' && /n3/.test(e.message)),
    ).toBe(true);
    // The survivors still talk to each other.
    await lab.run('n1', 'ping -c 1 -W 5 10.0.6.2', PING);
    const input = await engine.api.request({ type: 'consoleInput', lab: lab.lab, vm: 'n3', data: 'echo hi\n' });
    expect(input.ok ? 'ok' : input.error.code).toBe('NOT_RUNNING');
    await stopAndCheck(lab);
    expect(lab.vmStates().get('n3')?.state, 'n3 stays reported crashed after stop').toBe('crashed');
  });

  test('a port already in use fails preflight naming the port and the node; nothing launches', async () => {
    // On the host network (isolation host) the forward's port is shared with everything else: take one.
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
    onCleanup(() => new Promise((r) => server.close(r)));
    const port = (server.address() as { port: number }).port;
    const engine = startEngine();
    const { text, name } = topologyText('nat-port.qnet.yaml', { replace: [['hostPort: 18080', `hostPort: ${port}`]] });
    const problems = await preflightOf(engine, text, { isolation: 'host' });
    const p = problems.find((d) => d.code === 'PREFLIGHT_PORT_IN_USE');
    expect(p?.severity, JSON.stringify(problems)).toBe('error');
    expect(p?.message).toContain(`port ${port}`);
    expect(p?.message).toContain(`port ${port} (hostfwd of nat node wan) is already in use`);
    expect(p?.nodes).toContain('wan');
    expect(p?.nodes).toContain('web');
    const r = await engine.api.request({
      type: 'launch',
      source: { kind: 'yaml', text },
      options: { isolation: 'host' },
    });
    expect(r.ok ? 'launched' : r.error.code).toBe('PREFLIGHT_FAILED');
    expect(r.ok ? [] : r.error.diagnostics?.map((d) => d.code)).toEqual(['PREFLIGHT_PORT_IN_USE']);
    expect(engine.events.some((e) => e.type === 'step' || e.type === 'vmState')).toBe(false);
    expect(existsSync(join(engine.stateBase, labSlug(name), JOURNAL_FILE)), 'no journal written').toBe(false);
    expect(processesMentioning(engine.stateBase)).toEqual([]);
    expect(leftovers(join(engine.stateBase, labSlug(name)), null)).toEqual([]);
  });

  test('a missing QEMU binary fails preflight with the package to install', async () => {
    const which = spawnSync('sh', ['-c', 'command -v qemu-system-riscv64'], { encoding: 'utf8' });
    expect(which.stdout.trim(), 'this test needs qemu-system-riscv64 to be absent').toBe('');
    const engine = startEngine();
    const { text } = topologyText('missing-qemu.qnet.yaml');
    const problems = await preflightOf(engine, text);
    const p = problems.find((d) => d.code === 'PREFLIGHT_PROGRAM_MISSING');
    expect(p?.severity, JSON.stringify(problems)).toBe('error');
    expect(p?.message).toMatch(/^qemu-system-riscv64 is not installed \(needed by rv\)/);
    expect(p?.message).toContain('apt-get install qemu-system-misc');
    expect(p?.nodes).toContain('rv');
    const r = await engine.api.request({
      type: 'launch',
      source: { kind: 'yaml', text },
      options: { isolation: 'netns' },
    });
    expect(r.ok ? 'launched' : r.error.code).toBe('PREFLIGHT_FAILED');
    expect(engine.events.filter((e) => e.type === 'step')).toEqual([]);
  });

  test("a VM's own QEMU binary that does not exist fails preflight naming it and the VM", async () => {
    const engine = startEngine();
    const { text } = topologyText('missing-qemu.qnet.yaml', {
      replace: [[/arch: riscv64\n\s*machine: virt/, 'binary: qemu-system-nonexistent']],
    });
    const problems = await preflightOf(engine, text);
    const p = problems.find((d) => d.code === 'PREFLIGHT_PROGRAM_MISSING');
    expect(p?.severity, JSON.stringify(problems)).toBe('error');
    expect(p?.message).toMatch(/^qemu-system-nonexistent is not installed \(needed by rv\)/);
    expect(p?.nodes).toEqual(['rv']);
  });

  test('a guest whose QEMU fails at start-up fails the launch with its stderr; the guest started before it is stopped, nothing is left', async () => {
    const engine = startEngine();
    const { text, name } = topologyText('inet-pair.qnet.yaml', {
      replace: [[/(name: client\n)/, '$1    extraArgs: [-bogus-option]\n']],
    });
    const r = await launchRequest(engine, text);
    expect(r.ok ? 'launched' : r.error.code).toBe('PROCESS_FAILED');
    if (r.ok) return;
    expect(r.error.message).toMatch(/vm-client failed to start[\s\S]*bogus-option/);
    const last = (vm: string) =>
      engine.events
        .filter((e) => e.type === 'vmState' && e.vm === vm)
        .map((e) => e.type === 'vmState' && e.state.state);
    expect(last('client'), 'the client reported crashed').toContain('crashed');
    expect(last('server').at(-1), 'the server it started first is stopped again').toBe('stopped');
    expect(last('server'), 'the server had started').toContain('running');
    const slug = labSlug(name);
    expect(leftovers(join(engine.stateBase, slug), netnsName(slug))).toEqual([]);
    expect(existsSync(join(engine.stateBase, slug, JOURNAL_FILE)), 'journal removed').toBe(false);
  });

  test('a host step failing half way rolls back the earlier ones (newest first) and leaves nothing', async () => {
    const engine = startEngine();
    const { text, name } = topologyText('02-tap-bridge.qnet.yaml');
    const ns = netnsName(labSlug(name));
    trackNetns(ns);
    // When the second tap's creation starts, put an interface of that name in its way: `ip tuntap add` fails.
    // (Events are delivered synchronously, before the step's command runs.)
    let blocked = '';
    let blockError = '';
    const off = engine.api.subscribe((e: EngineEvent) => {
      if (e.type !== 'step' || e.status !== 'running' || blocked) return;
      const m = /^Create tap (\S+) for alpha/.exec(e.description);
      if (!m) return;
      blocked = m[1]!;
      // (a bridge: this machine's kernel has no dummy interfaces)
      const r = spawnSync('ip', ['-n', ns, 'link', 'add', blocked, 'type', 'bridge'], { encoding: 'utf8' });
      if (r.status !== 0) blockError = r.stderr;
    });
    const r = await engine.api.request({
      type: 'launch',
      source: { kind: 'yaml', text },
      options: { isolation: 'netns' },
    });
    off();
    expect(blocked, 'the tap step was reached').not.toBe('');
    expect(blockError, 'the obstacle was put in place').toBe('');
    expect(r.ok ? 'launched' : r.error.code).toBe('STEP_FAILED');
    const steps = engine.events.filter((e): e is Extract<EngineEvent, { type: 'step' }> => e.type === 'step');
    const failed = steps.find((s) => s.status === 'failed');
    expect(failed?.description).toContain(blocked);
    const done = steps.filter((s) => s.status === 'done').map((s) => s.index);
    expect(done.length, 'some steps were done before the failure').toBeGreaterThan(3);
    // Steps with an undo that were done got undone, newest first: the other tap, the bridge, then the namespace.
    const undone = steps.filter((s) => s.status === 'undone').map((s) => s.index);
    expect(undone, 'undone newest first').toEqual([...undone].sort((a, b) => b - a));
    expect(
      steps
        .filter((s) => s.status === 'undone')
        .map((s) => s.description)
        .join('\n'),
    ).toMatch(/Create tap [\s\S]*Create bridge br0[\s\S]*namespace/i);
    expect(steps.some((s) => s.status === 'undo-failed')).toBe(false);
    expect(
      engine.events.filter((e) => e.type === 'vmState' && e.state.state !== 'stopped'),
      'no guest started',
    ).toEqual([]);
    expect(netnsExists(ns), 'namespace rolled back').toBe(false);
    expect(leftovers(join(engine.stateBase, labSlug(name)), ns)).toEqual([]);
    expect(existsSync(join(engine.stateBase, labSlug(name), JOURNAL_FILE)), 'journal removed').toBe(false);
  });

  test('the engine process killed mid-lab, then recovery from the journal, leaves nothing behind', async () => {
    const { text, name } = topologyText('04-vde-slirpvde.qnet.yaml');
    const stateBase = join('/tmp', `qnsc-recover-${process.pid}`);
    trackDir(stateBase);
    const ns = netnsName(labSlug(name));
    trackNetns(ns);
    const child = startChild({ args: ['up', '--isolation', 'netns', '--state-dir', stateBase], yaml: text });
    const running = await child.waitFor((m) => m.kind === 'running' || m.kind === 'error', 180_000);
    expect(running.kind, JSON.stringify(running)).toBe('running');
    const stateDir = running.stateDir as string;
    const pids = Object.values(running.pids as Record<string, number>);
    expect(pids.length).toBe(3);
    child.kill('SIGKILL');
    await child.exited;
    // The lab outlives its engine: guests (and the namespace) are still there, the journal says what to undo.
    expect(pids.filter(pidAlive).length, 'guests outlive the engine').toBe(3);
    expect(netnsExists(ns)).toBe(true);
    expect(existsSync(join(stateDir, JOURNAL_FILE))).toBe(true);

    const report = await recoverLab(stateDir);
    expect(report.ok, JSON.stringify(report)).toBe(true);
    expect(report.hadJournal).toBe(true);
    expect(report.killed.map((k) => k.pid).sort()).toEqual(expect.arrayContaining([...pids].sort()));
    expect(report.undone).toContain(`Create network namespace ${ns} for the lab`);
    expect(pids.filter(pidAlive)).toEqual([]);
    expect(leftovers(stateDir, ns)).toEqual([]);
    expect(existsSync(join(stateDir, JOURNAL_FILE)), 'journal removed').toBe(false);
    // Idempotent: a second recovery finds nothing to do.
    const again = await recoverLab(stateDir);
    expect(again).toMatchObject({ ok: true, hadJournal: false, killed: [] });
  });

  test('two labs at once do not collide (names, MACs, ports, sockets) and both work', async () => {
    const engine = startEngine();
    // On the host network, where derived ports could clash; two names for the same topology.
    const a = topologyText('inet-pair.qnet.yaml');
    const b = topologyText('inet-pair.qnet.yaml');
    const [labA, labB] = await Promise.all([
      launchLab(engine, a.text, { isolation: 'host' }),
      launchLab(engine, b.text, { isolation: 'host' }),
    ]);
    expect(labA.lab).not.toBe(labB.lab);
    expect(labA.stateDir).not.toBe(labB.stateDir);
    const argvs = (lab: ScenarioLab) =>
      processesMentioning(lab.stateDir)
        .filter((p) => p.argv[0]?.includes('qemu-system'))
        .map((p) => p.argv.join(' '));
    const pick = (lab: ScenarioLab, re: RegExp) => argvs(lab).flatMap((s) => [...s.matchAll(re)].map((m) => m[1]!));
    const macs = [pick(labA, /mac=([0-9a-f:]{17})/g), pick(labB, /mac=([0-9a-f:]{17})/g)];
    const ports = [
      pick(labA, /(?:listen|connect)=127\.0\.0\.1:(\d+)/g),
      pick(labB, /(?:listen|connect)=127\.0\.0\.1:(\d+)/g),
    ];
    const sockets = [pick(labA, /path=([^,\s]+)/g), pick(labB, /path=([^,\s]+)/g)];
    expect(macs[0]!.length).toBe(2);
    expect(ports[0]!.length).toBe(2);
    expect(new Set(ports[0]).size, 'one port per link').toBe(1);
    expect(
      macs[0]!.filter((m) => macs[1]!.includes(m)),
      'shared MACs',
    ).toEqual([]);
    expect(
      ports[0]!.filter((p) => ports[1]!.includes(p)),
      'shared ports',
    ).toEqual([]);
    expect(
      sockets[0]!.filter((s) => sockets[1]!.includes(s)),
      'shared sockets',
    ).toEqual([]);
    expect(sockets[0]!.length).toBeGreaterThan(0);
    const list = await engine.api.request({ type: 'list' });
    expect(list.ok && list.labs.map((l) => l.state)).toEqual(['running', 'running']);
    await Promise.all([
      labA.run('client', 'ping -c 1 -W 5 10.0.17.1', PING),
      labB.run('client', 'ping -c 1 -W 5 10.0.17.1', PING),
    ]);
    // One lab stopping leaves the other running and working.
    await stopAndCheck(labA);
    await labB.run('server', 'ping -c 1 -W 5 10.0.17.2', PING);
    await stopAndCheck(labB);
  });
});
