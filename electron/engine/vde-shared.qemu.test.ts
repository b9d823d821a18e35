import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '../../shared/compiler/target';
import type { Topology } from '../../shared/model';
import { exportLab, runScript } from '../testkit/exportedLab';
import { deleteNetns } from '../testkit/netns';
import { killPids, processesMentioning } from '../testkit/procs';
import { LabRunner } from './lab';
import { NO_KVM, planOf, RUN, testTarget, topologyOf } from '../testkit/lab';
import { socketAnswers } from './preflight-vde';
import { until } from '../testkit/engine';

/*
 * Finding 4 of issue 8: a VDE switch whose `sock:` names the directory of a switch that runs already. The lab must
 * refuse it (preflight, up.sh), and delete nothing it did not create: never that switch's ctl, never its directory.
 * Real vde_switch processes; the lab runs in a namespace of its own.
 */

let base: string;
let target: Target;
const switches: ChildProcess[] = [];
const runners: LabRunner[] = [];

/** A vde_switch of someone else at `dir` (stdin held open by the pipe), once its ctl answers. */
async function foreignSwitch(dir: string): Promise<{ ctl: string; ino: bigint }> {
  const sw = spawn('vde_switch', ['-s', dir, '-n', '4'], { stdio: ['pipe', 'ignore', 'ignore'] });
  switches.push(sw);
  const ctl = join(dir, 'ctl');
  await until(() => existsSync(ctl), 'the foreign switch to listen', 5_000);
  expect(await socketAnswers(ctl)).toBe(true);
  return { ctl, ino: lstatSync(ctl, { bigint: true }).ino };
}

/** One guest on a VDE switch whose control directory is `sock`. */
function labOn(sock: string, name: string): Topology {
  return topologyOf(`version: 1
name: ${name}
nodes:
  - { id: sw, kind: vde, sock: ${sock} }
  - { id: vm1, kind: vm, boot: { type: tiny }, nics: [{ id: eth0 }] }
links:
  - { a: 'vm1:eth0', b: sw }
`);
}

/** The foreign switch is untouched: its ctl is the same socket, it answers, its directory holds what it held. */
async function expectUntouched(dir: string, before: { ctl: string; ino: bigint }, files: readonly string[]) {
  expect(lstatSync(before.ctl, { bigint: true }).ino).toBe(before.ino);
  expect(await socketAnswers(before.ctl)).toBe(true);
  expect(readdirSync(dir).sort()).toEqual([...files].sort());
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'qnet-vde-shared-'));
  target = testTarget(base);
});
afterEach(async () => {
  for (const r of runners.splice(0)) await r.dispose();
  for (const sw of switches.splice(0)) sw.kill('SIGTERM');
  killPids(processesMentioning(base).map((p) => p.pid));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("a VDE sock: naming another switch's directory", () => {
  it('is refused by preflight; the running switch keeps its ctl and its directory', async () => {
    const dir = join(base, 'theirs-1');
    const before = await foreignSwitch(dir);
    writeFileSync(join(dir, 'notes'), 'theirs');
    const topology = labOn(dir, `vde-shared-${RUN}`);
    const plan = planOf(topology, target);
    const runner = new LabRunner({ plan, preflightEnv: { kvm: NO_KVM } });
    runners.push(runner);
    const r = await runner.launch();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('PREFLIGHT_FAILED');
    expect(r.error.message).toContain(`VDE switch sw: another switch already runs at ${dir} (its ctl socket answers)`);
    await expectUntouched(dir, before, ['ctl', 'notes']);
    deleteNetns(plan.netns!);
  });

  // The switch appears after preflight: ours fails to bind its ctl and exits; its stale-socket check must not have
  // deleted the other one's ctl first, and the rollback must not remove it or the directory.
  it('that starts between preflight and the launch: the launch fails, the other switch is untouched', async () => {
    const dir = join(base, 'theirs-2');
    const topology = labOn(dir, `vde-race-${RUN}`);
    const plan = planOf(topology, target);
    const runner = new LabRunner({ plan, preflightEnv: { kvm: NO_KVM }, readyTimeoutMs: 5_000 });
    runners.push(runner);
    // Started from the preflight event, synchronously: it listens before the launch goes on.
    runner.subscribe((e) => {
      if (e.type !== 'preflight') return;
      switches.push(spawn('vde_switch', ['-s', dir, '-n', '4'], { stdio: ['pipe', 'ignore', 'ignore'] }));
      const end = Date.now() + 5_000;
      while (!existsSync(join(dir, 'ctl')) && Date.now() < end)
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    });
    const r = await runner.launch();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toMatch(/vde_switch vde-sw failed to start/);
    expect(await socketAnswers(join(dir, 'ctl'))).toBe(true);
    expect(readdirSync(dir)).toEqual(['ctl']);
  });

  it('is refused by the exported up.sh before it starts anything; the running switch is untouched', async () => {
    const dir = join(base, 'theirs-3');
    const before = await foreignSwitch(dir);
    const plan = planOf(labOn(dir, `vde-sh-${RUN}`), {
      ...target,
      isolation: 'host',
      stateDir: join(base, 'sh-state'),
    });
    const lab = exportLab(plan, join(base, 'export'));
    const up = runScript(lab.up);
    expect(up.status, up.output).not.toBe(0);
    expect(up.output).toContain(`another VDE switch already runs at ${dir} (its ctl socket answers)`);
    await expectUntouched(dir, before, ['ctl']);
    const down = runScript(lab.down);
    expect(down.status, down.output).toBe(0);
    await expectUntouched(dir, before, ['ctl']);
  });
});
