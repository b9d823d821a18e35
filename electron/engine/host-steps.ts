/**
 * Host steps through the journal: each recorded before it runs and once done; on undo, each recorded once undone.
 * Root commands run as privilege.ts decides (directly, `sudo -n`, or one prompted script per phase).
 */
import type { HostStep } from '../../shared/compiler/plan';
import type { StepProgress } from '../../shared/api';
import type { Journal } from './journal';
import { asRoot, doneIndices, rootScript, type Escalation } from './privilege';
import { runCommand } from './run-command';
import { shellLine } from '../../shared/emit/quote';

export interface StepRunContext {
  readonly journal: Journal;
  readonly netns: string | null;
  /** How a step marked inNetns enters the lab's user namespace (isolation userns: through its holder). */
  readonly enter?: (argv: readonly string[]) => string[];
  readonly escalation: Escalation;
  readonly env: NodeJS.ProcessEnv;
  readonly onStep: (event: StepProgress) => void;
  readonly timeoutMs?: number;
}

/** A step to undo (newest first when a list): only ever one that completed, so what it made is the lab's. */
export interface UndoItem {
  readonly step: string;
  readonly description: string;
  readonly undo: readonly string[];
  readonly needsRoot: boolean;
  /** The namespace the undo runs in, or null. */
  readonly netns: string | null;
  readonly index: number;
  readonly total: number;
}

/** How a run of the steps ended: the steps that completed (to undo), and a step whose outcome is unknown. */
export type StepsOutcome =
  | { readonly ok: true; readonly done: readonly HostStep[] }
  | {
      readonly ok: false;
      readonly index: number;
      readonly message: string;
      readonly done: readonly HostStep[];
      /** A step whose command was killed (a timeout): it may or may not have made what it names; never undone. */
      readonly unfinished: HostStep | null;
    };

/** A step's argv (or undo) as run: inside the namespace when it says so. */
function inNamespace(argv: readonly string[], netns: string | null): string[] {
  return netns !== null ? ['ip', 'netns', 'exec', netns, ...argv] : [...argv];
}

const firstLine = (s: string) => s.trim() || 'no output';

async function runScript(
  script: string,
  esc: Extract<Escalation, { kind: 'prompt' }>,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
) {
  // The script goes on stdin: nothing to clean up, nothing another user could swap on disk.
  const argv = esc.tool === 'pkexec' ? ['pkexec', '/bin/bash', '-s'] : ['sudo', '--', '/bin/bash', '-s'];
  return runCommand(argv, { env, timeoutMs, input: script });
}

/**
 * Runs the steps in order and stops at the first failure. A step is journaled done only once its command
 * succeeded, and failed when its command ended with an error: a create step that finds its name taken fails and
 * made nothing, so the caller undoes only the steps in `done` (in reverse), never the failed one.
 */
export async function runHostSteps(steps: readonly HostStep[], ctx: StepRunContext): Promise<StepsOutcome> {
  const total = steps.length;
  const timeoutMs = ctx.timeoutMs ?? 60_000;
  const argvOf = (s: HostStep) =>
    s.inNetns && ctx.enter ? ctx.enter(s.argv) : inNamespace(s.argv, s.inNetns ? ctx.netns : null);
  // Root makes and enters a named namespace; the user's own namespace (userns) needs none.
  const asRootStep = (s: HostStep) => s.needsRoot || (s.inNetns && ctx.netns !== null);
  const done: HostStep[] = [];
  const failure = (index: number, message: string, unfinished: HostStep | null = null) => ({
    ok: false as const,
    index,
    message,
    done,
    unfinished,
  });
  if (ctx.escalation.kind === 'prompt' && steps.some(asRootStep)) {
    for (const s of steps) {
      const begun = ctx.journal.beginStep(s, ctx.netns);
      if (!begun.ok) return failure(0, begun.error.message);
    }
    steps.forEach((s, index) => ctx.onStep({ index, total, description: s.description, status: 'running' }));
    const script = rootScript(
      steps.map((s, index) => ({ index, argv: argvOf(s) })),
      false,
    );
    const r = await runScript(script, ctx.escalation, ctx.env, timeoutMs);
    const marked = doneIndices(r.stdout);
    for (let index = 0; index < total; index++) {
      const s = steps[index] as HostStep;
      if (marked.has(index)) {
        ctx.journal.doneStep(s.id);
        done.push(s);
        ctx.onStep({ index, total, description: s.description, status: 'done' });
        continue;
      }
      // The script stops at its first failure: later steps never ran. Killed (a signal), the step it was running
      // may have got done.
      const killed = r.signal !== null;
      for (const later of steps.slice(killed ? index + 1 : index)) ctx.journal.failedStep(later.id);
      const detail = killed ? `killed by ${r.signal}` : firstLine(r.stderr);
      ctx.onStep({ index, total, description: s.description, status: 'failed', detail });
      return failure(index, `step ${index + 1}/${total} failed: ${s.description}: ${detail}`, killed ? s : null);
    }
    return { ok: true, done };
  }
  for (let index = 0; index < total; index++) {
    const s = steps[index] as HostStep;
    const begun = ctx.journal.beginStep(s, ctx.netns);
    if (!begun.ok) return failure(index, begun.error.message);
    ctx.onStep({ index, total, description: s.description, status: 'running' });
    const root = asRootStep(s);
    const r = await runCommand(root ? asRoot(argvOf(s), ctx.escalation) : argvOf(s), { env: ctx.env, timeoutMs });
    if (!r.ok) {
      const killed = r.signal !== null;
      if (!killed) ctx.journal.failedStep(s.id);
      const detail = killed ? `killed by ${r.signal}` : firstLine(r.stderr);
      ctx.onStep({ index, total, description: s.description, status: 'failed', detail });
      return failure(
        index,
        `step ${index + 1}/${total} failed: ${s.description}: ${argvOf(s).join(' ')}: ${detail}`,
        killed ? s : null,
      );
    }
    const recorded = ctx.journal.doneStep(s.id);
    done.push(s);
    if (!recorded.ok) return failure(index, recorded.error.message);
    ctx.onStep({ index, total, description: s.description, status: 'done' });
  }
  return { ok: true, done };
}

/** Undoes steps in the order given (newest first); a failed undo is reported and stays pending in the journal. */
export async function undoHostSteps(
  items: readonly UndoItem[],
  ctx: StepRunContext,
): Promise<{ ok: boolean; failures: string[] }> {
  const failures: string[] = [];
  const timeoutMs = ctx.timeoutMs ?? 60_000;
  const outcome = (item: UndoItem, ok: boolean, detail: string) => {
    if (ok) {
      ctx.journal.undoneStep(item.step);
      ctx.onStep({ index: item.index, total: item.total, description: item.description, status: 'undone' });
      return;
    }
    failures.push(`${item.description}: ${inNamespace(item.undo, item.netns).join(' ')}: ${detail}`);
    ctx.onStep({ index: item.index, total: item.total, description: item.description, status: 'undo-failed', detail });
  };
  if (ctx.escalation.kind === 'prompt' && items.some((i) => i.needsRoot || i.netns !== null)) {
    items.forEach((i) => ctx.onStep({ index: i.index, total: i.total, description: i.description, status: 'undoing' }));
    const r = await runScript(
      rootScript(
        items.map((i, index) => ({ index, argv: inNamespace(i.undo, i.netns) })),
        true,
      ),
      ctx.escalation,
      ctx.env,
      timeoutMs,
    );
    const done = doneIndices(r.stdout);
    items.forEach((i, index) => outcome(i, done.has(index), firstLine(r.stderr)));
    return { ok: failures.length === 0, failures };
  }
  for (const item of items) {
    ctx.onStep({ index: item.index, total: item.total, description: item.description, status: 'undoing' });
    const argv = inNamespace(item.undo, item.netns);
    const r = await runCommand(item.needsRoot || item.netns !== null ? asRoot(argv, ctx.escalation) : argv, {
      env: ctx.env,
      timeoutMs,
    });
    outcome(item, r.ok, firstLine(r.stderr));
  }
  return { ok: failures.length === 0, failures };
}

/** What to say about a step that never finished (killed, or the engine died): what it names is left alone. */
export function unfinishedMessage(
  step: Pick<HostStep, 'description' | 'undo' | 'inNetns'>,
  netns: string | null,
): string {
  const undo =
    step.undo === null
      ? ''
      : `; if it is left from this lab, remove it with: ${shellLine(inNamespace(step.undo, step.inNetns ? netns : null))}`;
  return `"${step.description}" did not finish: what it names may exist from before, so it is left alone${undo}`;
}
