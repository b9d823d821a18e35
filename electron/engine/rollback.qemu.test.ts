import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '../../shared/compiler/target';
import { exportLab, runScript } from '../testkit/exportedLab';
import { addNetns, deleteNetns, linksIn, netnsExists } from '../testkit/netns';
import { killPids, processesMentioning } from '../testkit/procs';
import { Journal } from './journal';
import { LabRunner } from './lab';
import { EXAMPLES, example, leftovers, NO_KVM, planOf, RUN, testTarget } from '../testkit/lab';
import { recoverLab } from './recovery';
import { buildCli } from '../testkit/qnetCli';

/*
 * Finding 3 of issue 8: a rollback must undo only what the lab did. Each test puts something that is not the lab's
 * under a name the lab creates (example 02's br0, the lab's namespace) inside a throwaway namespace, never on the
 * real host, and checks the launch fails and leaves it in place.
 */

const root = join(import.meta.dirname, '../..');
let base: string;
let target: Target;
const namespaces: string[] = [];
const runners: LabRunner[] = [];

/** A throwaway "host": a namespace of its own, holding a bridge br0 that is not the lab's. */
function hostWithBr0(): string {
  const ns = `qnrb-${RUN}-${namespaces.length}`.slice(0, 15);
  deleteNetns(ns);
  addNetns(ns);
  namespaces.push(ns);
  const r = spawnSync('ip', ['-n', ns, 'link', 'add', 'br0', 'type', 'bridge'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return ns;
}

beforeAll(() => {
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'qnet-rollback-'));
  target = testTarget(base);
});
afterEach(async () => {
  for (const r of runners.splice(0)) await r.dispose();
  for (const ns of namespaces.splice(0)) deleteNetns(ns);
  killPids(processesMentioning(base).map((p) => p.pid));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('a rollback undoes only what the lab did', () => {
  // nsenter, unlike `ip netns exec`, keeps the caller's /sys: a check of /sys/class/net looked at the wrong
  // namespace there, passed, and the rollback of the failed "create br0" deleted the bridge that was there.
  it('qnet up of example 02 beside an existing br0 refuses and leaves br0 in place', () => {
    const ns = hostWithBr0();
    const stateDir = join(base, 'cli-state');
    const r = spawnSync(
      'nsenter',
      [
        `--net=/run/netns/${ns}`,
        process.execPath,
        join(root, 'bin/qnet.js'),
        'up',
        join(EXAMPLES, '02-tap-bridge.qnet.yaml'),
        '--isolation',
        'host',
        '--state-dir',
        stateDir,
      ],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toContain('bridge br0 already exists on this host');
    expect(r.stdout + r.stderr).not.toMatch(/undone: Create bridge br0/);
    expect(linksIn(ns)).toContain('br0');
  });

  it('the exported up.sh of example 02 beside an existing br0 refuses before doing anything; br0 stays', () => {
    const ns = hostWithBr0();
    const plan = planOf(example('02-'), { ...target, isolation: 'host', stateDir: join(base, 'sh-state') });
    const lab = exportLab(plan, join(base, 'export-02'));
    const up = runScript(lab.up, [], { netns: ns });
    expect(up.status, up.output).not.toBe(0);
    expect(up.output).toContain('bridge br0 already exists on this host');
    expect(up.output).not.toMatch(/undo 1\//);
    expect(linksIn(ns)).toContain('br0');
    expect(linksIn(ns).filter((l) => l.startsWith('qn'))).toEqual([]);
  });

  // The race preflight cannot close: the name is taken after preflight and before the step. The step fails on it
  // ("File exists"), and a failed step is never undone.
  it('a namespace that appears between preflight and its step survives the failed launch', async () => {
    const plan = planOf(example('05-'), target);
    const runner = new LabRunner({ plan, preflightEnv: { kvm: NO_KVM } });
    runners.push(runner);
    runner.subscribe((e) => {
      if (e.type === 'preflight') {
        addNetns(plan.netns!); // another run of the lab, say, got there first
        namespaces.push(plan.netns!);
        expect(spawnSync('ip', ['-n', plan.netns!, 'link', 'add', 'theirs0', 'type', 'bridge']).status).toBe(0);
      }
    });
    const r = await runner.launch();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('STEP_FAILED');
    expect(r.error.message).toMatch(/File exists/);
    expect(netnsExists(plan.netns!)).toBe(true);
    expect(linksIn(plan.netns!)).toContain('theirs0');
    expect(
      runner
        .logs()
        .map((l) => l.message)
        .join('\n'),
    ).not.toMatch(/undone/);
  });

  // The engine died between a step's begin and done records: the namespace may be the lab's or may have been there
  // before. Recovery leaves it, and says how to remove it if it is the lab's.
  it('recovery leaves alone what a step begun and never finished names, and says how to remove it', async () => {
    const plan = planOf(example('05-'), target);
    const netnsStep = plan.hostSteps.find((s) => s.id === 'netns')!;
    addNetns(plan.netns!);
    namespaces.push(plan.netns!);
    const opened = Journal.open(plan.stateDir, { lab: plan.lab, netns: plan.netns });
    if (!opened.ok) throw new Error(opened.error.message);
    opened.journal.beginStep(netnsStep, plan.netns);
    opened.journal.close();
    const report = await recoverLab(plan.stateDir);
    expect(report.undone).toEqual([]);
    expect(report.unfinished).toEqual([
      `"${netnsStep.description}" did not finish: what it names may exist from before, so it is left alone; if it is left from this lab, remove it with: ip netns del ${plan.netns}`,
    ]);
    expect(netnsExists(plan.netns!)).toBe(true);
    expect(leftovers(plan).filter((l) => l !== `netns ${plan.netns}`)).toEqual([]);
  });

  // An ifb live shaping makes is no step of the plan: it is journaled as one before it is made, so recovery after
  // the engine died deletes it with the rest (in a host-isolated lab nothing else would: it is on the host).
  it('recovery deletes the ifb live shaping made, from the journal alone', async () => {
    const plan = planOf(example('02-'), { ...target, ifb: true });
    const nic = plan.vms.flatMap((v) => v.nics).find((n) => n.ifb !== undefined && n.link !== null)!;
    expect(nic, 'a link with a tap and an ifb').toBeDefined();
    const runner = new LabRunner({ plan, preflightEnv: { kvm: NO_KVM }, stopTimeouts: { powerdownMs: 300 } });
    runners.push(runner);
    const r = await runner.launch();
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
    const shaped = await runner.setShaping(nic.link!, { rate: '4mbit' });
    expect(shaped.ok, shaped.ok ? '' : shaped.error.message).toBe(true);
    expect(linksIn(plan.netns!)).toContain(nic.ifb);
    // As if the engine died here: recovery has only the journal.
    const report = await recoverLab(plan.stateDir);
    expect(report.failures).toEqual([]);
    expect(report.undone).toContain(`Create ifb ${nic.ifb} for what link ${nic.link}'s guest sends`);
    expect(report.undone.indexOf(`Create ifb ${nic.ifb} for what link ${nic.link}'s guest sends`)).toBe(0);
    expect(leftovers(plan)).toEqual([]);
  });

  // The journal is for recovery after a crash; a running lab's stop undoes what the engine knows it did. A line
  // added to the file while the lab runs (by whatever) is not run by the stop.
  it("a running lab's stop undoes the steps it recorded in memory, not lines added to its journal since", async () => {
    const topology = example('05-');
    const plan = planOf(topology, target);
    const runner = new LabRunner({ plan, preflightEnv: { kvm: NO_KVM }, stopTimeouts: { powerdownMs: 300 } });
    runners.push(runner);
    const r = await runner.launch();
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
    const marker = join(base, 'ran-at-stop');
    const now = Date.now();
    appendFileSync(
      join(plan.stateDir, 'engine.journal'),
      `${JSON.stringify({ t: 'begin', step: 'bridge-x', description: 'added', undo: ['touch', marker], needsRoot: true, netns: null, at: now })}\n${JSON.stringify({ t: 'done', step: 'bridge-x', at: now })}\n`,
    );
    expect((await runner.stop()).ok).toBe(true);
    expect(existsSync(marker)).toBe(false);
    expect(netnsExists(plan.netns!)).toBe(false);
    expect(leftovers(plan)).toEqual([]);
  });
});
