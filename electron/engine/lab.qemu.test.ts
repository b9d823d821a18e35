import { mkdtempSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/api';
import type { LabPlan } from '../../shared/compiler/plan';
import type { Target } from '../../shared/compiler/target';
import { deleteNetns } from '../testkit/netns';
import { killPids, processesMentioning } from '../testkit/procs';
import { LabRunner, type LabRunnerOptions } from './lab';
import { example, leftovers, NO_KVM, planOf, testTarget } from '../testkit/lab';
import { alive } from '../testkit/engine';

/*
 * LabRunner on real QEMU, vde_switch and slirpvde, each lab in a network namespace of its own. The guests boot the
 * stand-in kernel (electron/testkit/fakeGuest.ts): TCG spins on it, which is all launch, state and stop need.
 */

let base: string;
let target: Target;
const live: { runner: LabRunner; plan: LabPlan }[] = [];

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'qnet-lab-'));
  target = testTarget(base);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

afterEach(async () => {
  for (const { runner, plan } of live.splice(0)) {
    await runner.dispose();
    killPids(processesMentioning(plan.stateDir).map((p) => p.pid));
    if (plan.netns) deleteNetns(plan.netns);
    expect(leftovers(plan), `left behind by ${plan.lab}`).toEqual([]);
  }
});

function runnerFor(plan: LabPlan, over: Partial<LabRunnerOptions> = {}): { runner: LabRunner; events: EngineEvent[] } {
  const runner = new LabRunner({ plan, preflightEnv: { kvm: NO_KVM }, stopTimeouts: { powerdownMs: 300 }, ...over });
  const events: EngineEvent[] = [];
  runner.subscribe((e) => events.push(e));
  live.push({ runner, plan });
  return { runner, events };
}

const netnsInode = (ns: string) => `net:[${statSync(`/run/netns/${ns}`).ino}]`;

describe('LabRunner: launch and stop in a network namespace', () => {
  it('05 socket pair: both guests run inside the lab namespace, stop leaves nothing', async () => {
    const plan = planOf(example('05-'), target);
    const { runner, events } = runnerFor(plan);
    const r = await runner.launch();
    if (!r.ok) throw new Error(r.error.message);
    expect(runner.state).toBe('running');
    const vms = runner.status().vms;
    expect(vms.map((v) => v.state.state)).toEqual(['running', 'running']);
    for (const v of vms) {
      const pid = v.state.state === 'running' ? v.state.pid : -1;
      expect(alive(pid)).toBe(true);
      expect(readlinkSync(`/proc/${pid}/ns/net`)).toBe(netnsInode(plan.netns!));
    }
    expect(events.filter((e) => e.type === 'labState').map((e) => e.type === 'labState' && e.state)).toEqual([
      'preflight',
      'starting',
      'running',
    ]);
    expect(events.filter((e) => e.type === 'step' && e.status === 'done').length).toBe(plan.hostSteps.length);
    // The listener (server) was ready before the connector started.
    const log = runner.logs().map((l) => l.message);
    expect(log.findIndex((m) => m.startsWith('vm vm-server is up'))).toBeLessThan(
      log.findIndex((m) => m === 'starting vm vm-client'),
    );

    expect(await runner.stop()).toEqual({ ok: true });
    expect(runner.state).toBe('stopped');
    expect(runner.status().vms.map((v) => v.state.state)).toEqual(['stopped', 'stopped']);
    expect(leftovers(plan)).toEqual([]);
    expect(events.filter((e) => e.type === 'step' && e.status === 'undone').length).toBe(
      plan.hostSteps.filter((s) => s.undo).length,
    );
  });

  it('04 VDE: vde_switch and slirpvde up before three guests; stop leaves nothing', async () => {
    const plan = planOf(example('04-'), target);
    const { runner } = runnerFor(plan);
    const r = await runner.launch();
    if (!r.ok) throw new Error(r.error.message);
    expect(runner.status().vms.map((v) => v.state.state)).toEqual(['running', 'running', 'running']);
    const procs = processesMentioning(plan.stateDir).map((p) => p.argv[0]);
    expect(procs.filter((a) => a === 'vde_switch').length).toBe(1);
    expect(procs.filter((a) => a === 'slirpvde').length).toBe(1);
    expect(procs.filter((a) => a === 'qemu-system-x86_64').length).toBe(3);
    expect(await runner.stop()).toEqual({ ok: true });
    expect(leftovers(plan)).toEqual([]);
  });
});
