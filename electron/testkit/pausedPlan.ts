import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { LabPlan } from '../../shared/compiler/plan';

/**
 * Running a compiled plan for real, its guests paused (-S): host steps (in the plan's namespace when it has one),
 * then processes in plan order, each QEMU waited for until its QMP greeting arrives (sent from the main loop, after
 * netdev setup), then everything stopped and every host step undone. What each process printed is returned.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(25)) if (pred()) return true;
  return pred();
}

/** What the processes of a paused run printed, and how they ended. */
export interface PausedRun {
  readonly stderr: Map<string, string>;
  readonly exited: Map<string, number | null>;
}

/** Runs the plan's host steps; returns the undo argv in reverse order. */
function setUp(plan: LabPlan): string[][] {
  const undo: string[][] = [];
  const wrap = (argv: readonly string[], inNetns: boolean) =>
    inNetns && plan.netns ? ['ip', 'netns', 'exec', plan.netns, ...argv] : [...argv];
  for (const s of plan.hostSteps) {
    const argv = wrap(s.argv, s.inNetns);
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    if (r.status !== 0) {
      for (const u of undo) spawnSync(u[0]!, u.slice(1));
      throw new Error(`${argv.join(' ')}: ${r.stderr}${r.error ? String(r.error) : ''}`);
    }
    if (s.undo) undo.unshift(wrap(s.undo, s.inNetns));
  }
  return undo;
}

/** Whether the QMP socket greets (the engine's readiness). */
async function qmpGreets(path: string, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection(path);
      const done = (v: boolean) => {
        c.destroy();
        resolve(v);
      };
      c.on('data', (d) => done(d.toString().includes('"QMP"')));
      c.on('error', () => done(false));
      setTimeout(() => done(false), 1000);
    });
    if (ok) return true;
  }
  return false;
}

async function runProcesses(plan: LabPlan): Promise<PausedRun> {
  const kids: [string, ChildProcess][] = [];
  const stderr = new Map<string, string>();
  const exited = new Map<string, number | null>();
  try {
    for (const p of plan.processes) {
      const own = p.kind === 'vm' ? [...p.argv, '-S'] : [...p.argv];
      const argv = plan.netns ? ['ip', 'netns', 'exec', plan.netns, ...own] : own;
      const child = spawn(argv[0]!, argv.slice(1), {
        stdio: ['pipe', 'ignore', 'pipe'],
        env: p.env ? { ...process.env, ...p.env } : process.env,
      });
      stderr.set(p.id, '');
      child.stderr!.on('data', (d: Buffer) => stderr.set(p.id, stderr.get(p.id) + d.toString()));
      child.on('exit', (code) => exited.set(p.id, code));
      kids.push([p.id, child]);
      const ready = p.ready;
      if (ready.type === 'qmp') {
        await waitFor(() => existsSync(ready.socket) || exited.has(p.id), 5000);
        if (!exited.has(p.id)) await qmpGreets(ready.socket, 5000);
      } else if (ready.type === 'path') await waitFor(() => existsSync(ready.path) || exited.has(p.id), 5000);
      else await sleep(200);
    }
    await sleep(800);
  } finally {
    for (const [, child] of kids) child.kill('SIGTERM');
    await waitFor(() => kids.every(([id]) => exited.has(id)), 3000);
  }
  return { stderr, exited };
}

/** Sets the plan up, runs its processes paused for a moment, tears everything down; what they printed. */
export async function runPaused(plan: LabPlan): Promise<PausedRun> {
  mkdirSync(plan.stateDir, { recursive: true });
  const undo = setUp(plan);
  try {
    return await runProcesses(plan);
  } finally {
    for (const argv of undo) spawnSync(argv[0]!, argv.slice(1));
  }
}

/** The `warning: …` texts QEMU printed, sorted. */
export function qemuWarnings(stderr: string): string[] {
  return [...stderr.matchAll(/warning: (.*)$/gm)].map((m) => m[1]!).sort();
}

/** The warnings the plan predicts for one VM (its diagnostics' qemuWarning), sorted. */
export function predictedWarnings(plan: LabPlan, vm: string): string[] {
  return plan.diagnostics
    .filter((d) => d.qemuWarning?.vm === vm)
    .map((d) => d.qemuWarning!.text)
    .sort();
}
