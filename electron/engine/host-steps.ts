/**
 * Host steps through the journal: each recorded before it runs and once done; on undo, each recorded once undone.
 * Root commands run as privilege.ts decides (directly, `sudo -n`, or one prompted script per phase).
 */
import type { HostStep } from '../../shared/compiler/plan';
import type { StepProgress } from '../../shared/api';
import type { Journal } from './journal';
import { asRoot, doneIndices, rootScript, type Escalation } from './privilege';
import { runCommand } from './run-command';

export interface StepRunContext {
  readonly journal: Journal;
  readonly netns: string | null;
  readonly escalation: Escalation;
  readonly env: NodeJS.ProcessEnv;
  readonly onStep: (event: StepProgress) => void;
  readonly timeoutMs?: number;
}

/** A step to undo: what the journal says (newest first when a list). */
export interface UndoItem {
  readonly step: string;
  readonly description: string;
  readonly undo: readonly string[];
  readonly needsRoot: boolean;
  /** The namespace the undo runs in, or null. */
  readonly netns: string | null;
  /** `begun`: the step failed half-way, so its undo may fail harmlessly. */
  readonly status: 'begun' | 'done';
  readonly index: number;
  readonly total: number;
}

/** A step's argv (or undo) as run: inside the namespace when it says so. */
export function inNamespace(argv: readonly string[], netns: string | null): string[] {
  return netns !== null ? ['ip', 'netns', 'exec', netns, ...argv] : [...argv];
}

const firstLine = (s: string) => s.trim() || 'no output';

async function runScript(script: string, esc: Extract<Escalation, { kind: 'prompt' }>, env: NodeJS.ProcessEnv, timeoutMs: number) {
  // The script goes on stdin: nothing to clean up, nothing another user could swap on disk.
  const argv = esc.tool === 'pkexec' ? ['pkexec', '/bin/bash', '-s'] : ['sudo', '--', '/bin/bash', '-s'];
  return runCommand(argv, { env, timeoutMs, input: script });
}

/** Runs the steps in order; stops at the first failure (the caller rolls back what the journal says is done). */
export async function runHostSteps(
  steps: readonly HostStep[],
  ctx: StepRunContext,
): Promise<{ ok: true } | { ok: false; index: number; message: string }> {
  const total = steps.length;
  const timeoutMs = ctx.timeoutMs ?? 60_000;
  const argvOf = (s: HostStep) => inNamespace(s.argv, s.inNetns ? ctx.netns : null);
  if (ctx.escalation.kind === 'prompt' && steps.some((s) => s.needsRoot || s.inNetns)) {
    for (const s of steps) {
      const begun = ctx.journal.beginStep(s, ctx.netns);
      if (!begun.ok) return { ok: false, index: 0, message: begun.error.message };
    }
    steps.forEach((s, index) => ctx.onStep({ index, total, description: s.description, status: 'running' }));
    const script = rootScript(steps.map((s, index) => ({ index, argv: argvOf(s) })), false);
    const r = await runScript(script, ctx.escalation, ctx.env, timeoutMs);
    const done = doneIndices(r.stdout);
    for (let index = 0; index < total; index++) {
      const s = steps[index] as HostStep;
      if (done.has(index)) {
        ctx.journal.doneStep(s.id);
        ctx.onStep({ index, total, description: s.description, status: 'done' });
        continue;
      }
      const detail = firstLine(r.stderr);
      ctx.onStep({ index, total, description: s.description, status: 'failed', detail });
      return { ok: false, index, message: `step ${index + 1}/${total} failed: ${s.description}: ${detail}` };
    }
    return { ok: true };
  }
  for (let index = 0; index < total; index++) {
    const s = steps[index] as HostStep;
    const begun = ctx.journal.beginStep(s, ctx.netns);
    if (!begun.ok) return { ok: false, index, message: begun.error.message };
    ctx.onStep({ index, total, description: s.description, status: 'running' });
    const root = s.needsRoot || s.inNetns;
    const r = await runCommand(root ? asRoot(argvOf(s), ctx.escalation) : argvOf(s), { env: ctx.env, timeoutMs });
    if (!r.ok) {
      const detail = firstLine(r.stderr);
      ctx.onStep({ index, total, description: s.description, status: 'failed', detail });
      return { ok: false, index, message: `step ${index + 1}/${total} failed: ${s.description}: ${argvOf(s).join(' ')}: ${detail}` };
    }
    const done = ctx.journal.doneStep(s.id);
    if (!done.ok) return { ok: false, index, message: done.error.message };
    ctx.onStep({ index, total, description: s.description, status: 'done' });
  }
  return { ok: true };
}

/**
 * Undoes steps in the order given (newest first). A failed undo of a `done` step is reported and kept in the journal
 * (recovery tries again); of a `begun` step it is expected (the step never completed) and counted as undone.
 */
export async function undoHostSteps(items: readonly UndoItem[], ctx: StepRunContext): Promise<{ ok: boolean; failures: string[] }> {
  const failures: string[] = [];
  const timeoutMs = ctx.timeoutMs ?? 60_000;
  const outcome = (item: UndoItem, ok: boolean, detail: string) => {
    if (ok || item.status === 'begun') {
      ctx.journal.undoneStep(item.step);
      ctx.onStep({ index: item.index, total: item.total, description: item.description, status: 'undone' });
      return;
    }
    failures.push(`${item.description}: ${inNamespace(item.undo, item.netns).join(' ')}: ${detail}`);
    ctx.onStep({ index: item.index, total: item.total, description: item.description, status: 'undo-failed', detail });
  };
  if (ctx.escalation.kind === 'prompt' && items.some((i) => i.needsRoot || i.netns !== null)) {
    items.forEach((i) => ctx.onStep({ index: i.index, total: i.total, description: i.description, status: 'undoing' }));
    const r = await runScript(rootScript(items.map((i, index) => ({ index, argv: inNamespace(i.undo, i.netns) })), true), ctx.escalation, ctx.env, timeoutMs);
    const done = doneIndices(r.stdout);
    items.forEach((i, index) => outcome(i, done.has(index), firstLine(r.stderr)));
    return { ok: failures.length === 0, failures };
  }
  for (const item of items) {
    ctx.onStep({ index: item.index, total: item.total, description: item.description, status: 'undoing' });
    const argv = inNamespace(item.undo, item.netns);
    const r = await runCommand(item.needsRoot || item.netns !== null ? asRoot(argv, ctx.escalation) : argv, { env: ctx.env, timeoutMs });
    outcome(item, r.ok, firstLine(r.stderr));
  }
  return { ok: failures.length === 0, failures };
}
