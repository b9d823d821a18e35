import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/api';
import type { LabPlan } from '../../shared/compiler/plan';
import type { Target } from '../../shared/compiler/target';
import type { Topology } from '../../shared/model';
import { deleteNetns, netnsExists } from '../testkit/netns';
import { killPids, processesMentioning } from '../testkit/procs';
import { LabRunner } from './lab';
import { example, leftovers, NO_KVM, planOf, testTarget } from '../testkit/lab';

/* Faults: a host step failing half-way, a port in use, a missing QEMU. Nothing may be left behind. */

let base: string;
let target: Target;
const live: { runner: LabRunner; plan: LabPlan }[] = [];
const servers: Server[] = [];

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'qnet-faults-'));
  target = testTarget(base);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  for (const { runner, plan } of live.splice(0)) {
    await runner.dispose();
    killPids(processesMentioning(plan.stateDir).map((p) => p.pid));
    if (plan.netns) deleteNetns(plan.netns);
    expect(leftovers(plan), `left behind by ${plan.lab}`).toEqual([]);
  }
});

function run(plan: LabPlan, topology: Topology, env?: NodeJS.ProcessEnv) {
  const runner = new LabRunner({
    plan,
    preflightEnv: { kvm: NO_KVM },
    stopTimeouts: { powerdownMs: 300 },
    ...(env ? { env } : {}),
  });
  const events: EngineEvent[] = [];
  runner.subscribe((e) => events.push(e));
  live.push({ runner, plan });
  return { runner, events };
}

describe('LabRunner faults', () => {
  it('a host step failing half-way rolls back the earlier ones in reverse; no process starts', async () => {
    const topology = example('02-');
    const compiled = planOf(topology, target);
    // After the first tap is made and enslaved, the bridge is created a second time: "File exists".
    const at = compiled.hostSteps.findIndex((s) => s.id.endsWith('-master')) + 1;
    const bridge = compiled.hostSteps.find((s) => s.id.startsWith('bridge-') && s.argv[2] === 'add')!;
    const failing = { ...bridge, id: 'again', undo: null, description: 'Create the bridge again' };
    const plan: LabPlan = {
      ...compiled,
      hostSteps: [...compiled.hostSteps.slice(0, at), failing, ...compiled.hostSteps.slice(at)],
    };
    const { runner, events } = run(plan, topology);
    const r = await runner.launch();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('STEP_FAILED');
    expect(r.error.message).toMatch(/File exists/);
    expect(runner.state).toBe('failed');
    const steps = events.flatMap((e) => (e.type === 'step' ? [`${e.index}:${e.status}`] : []));
    expect(steps).toContain(`${at}:failed`);
    // Undone newest first: the tap, then the bridge, then the namespace (steps with an undo only).
    const undone = steps.filter((s) => s.endsWith(':undone')).map((s) => Number(s.split(':')[0]));
    expect(undone).toEqual([...undone].sort((a, b) => b - a));
    expect(undone).toEqual(expect.arrayContaining([0, plan.hostSteps.indexOf(bridge), at - 2]));
    expect(events.some((e) => e.type === 'vmState' && e.state.state !== 'stopped')).toBe(false);
    expect(netnsExists(plan.netns!)).toBe(false);
    expect(leftovers(plan)).toEqual([]);
  });

  it('a hostfwd port in use fails preflight naming the port and the nat node; nothing starts', async () => {
    const topology = example('01-');
    const plan = planOf(topology, { ...target, isolation: 'host', stateDir: join(base, 'host-state') });
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen({ port: 8080, host: '127.0.0.1' }, resolve));
    const { runner, events } = run(plan, topology);
    const r = await runner.launch();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('PREFLIGHT_FAILED');
    expect(r.error.message).toContain('port 8080 (hostfwd of nat node wan) is already in use');
    expect(r.error.diagnostics?.map((d) => d.code)).toEqual(['PREFLIGHT_PORT_IN_USE']);
    expect(events.some((e) => e.type === 'step' || e.type === 'vmState')).toBe(false);
    expect(existsSync(join(plan.stateDir, 'engine.journal'))).toBe(false);
    expect(processesMentioning(plan.stateDir)).toEqual([]);
  });

  it('QEMU missing from PATH fails preflight with the package to install', async () => {
    const topology = example('05-');
    const plan = planOf(topology, target);
    const { runner } = run(plan, topology, { ...process.env, PATH: '/nonexistent' });
    const r = await runner.launch();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('PREFLIGHT_FAILED');
    expect(r.error.message).toMatch(
      /qemu-system-x86_64 is not installed \(needed by (server, client|client, server)\): sudo apt-get install qemu-system-x86/,
    );
    expect(netnsExists(plan.netns!)).toBe(false);
  });

  it('a VM binary that does not exist fails preflight naming it', async () => {
    const topology = example('05-');
    const changed: Topology = {
      ...topology,
      nodes: topology.nodes.map((n) =>
        n.kind === 'vm' && n.id === 'client' ? { ...n, binary: 'qemu-system-nonexistent' } : n,
      ),
    };
    const plan = planOf(changed, target);
    const { runner } = run(plan, changed);
    const r = await runner.launch();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toMatch(/^qemu-system-nonexistent is not installed \(needed by client\)/);
  });

  it('a guest that fails at start-up fails the launch with its stderr, and everything is undone', async () => {
    const topology = example('05-');
    const compiled = planOf(topology, target);
    const client = compiled.processes.find((p) => p.node === 'client')!;
    const plan: LabPlan = {
      ...compiled,
      processes: compiled.processes.map((p) =>
        p === client ? { ...p, argv: [...p.argv, '-netdev', 'bogus,id=x'] } : p,
      ),
    };
    const { runner, events } = run(plan, topology);
    const r = await runner.launch();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('PROCESS_FAILED');
    expect(r.error.message).toMatch(/vm-client failed to start[\s\S]*bogus/);
    expect(events.some((e) => e.type === 'vmState' && e.vm === 'client' && e.state.state === 'crashed')).toBe(true);
    expect(runner.status().vms.find((v) => v.vm === 'server')!.state.state).toBe('stopped');
    expect(leftovers(plan)).toEqual([]);
  });
});
