import type { LabPlan } from '../compiler/plan';
import { argvWordProblem } from './quote';

/** Stable codes of the reasons a LabPlan cannot become scripts. */
export type EmitErrorCode =
  | 'EMIT_BAD_WORD'
  | 'EMIT_EMPTY_ARGV'
  | 'EMIT_DUPLICATE_PROCESS'
  | 'EMIT_UNKNOWN_DEPENDENCY'
  | 'EMIT_DEPENDENCY_CYCLE'
  | 'EMIT_NO_NETNS';

/** Why a plan cannot be exported, and where in the plan (e.g. ['processes', 2, 'argv', 5]). */
export interface EmitError {
  readonly code: EmitErrorCode;
  readonly message: string;
  readonly path: readonly (string | number)[];
}

type Path = readonly (string | number)[];

/** Every string of the plan that reaches a script, with its place in the plan. */
function* planStrings(plan: LabPlan): Generator<readonly [string, Path]> {
  yield [plan.lab, ['lab']];
  yield [plan.stateDir, ['stateDir']];
  if (plan.netns !== null) yield [plan.netns, ['netns']];
  for (const [i, s] of plan.hostSteps.entries()) {
    yield [s.description, ['hostSteps', i, 'description']];
    for (const [j, w] of s.argv.entries()) yield [w, ['hostSteps', i, 'argv', j]];
    for (const [j, w] of (s.undo ?? []).entries()) yield [w, ['hostSteps', i, 'undo', j]];
    if (s.creates !== undefined) yield [s.creates.name, ['hostSteps', i, 'creates', 'name']];
    if (s.enslaves !== undefined) yield [s.enslaves, ['hostSteps', i, 'enslaves']];
  }
  for (const [i, p] of plan.processes.entries()) {
    yield [p.id, ['processes', i, 'id']];
    yield [p.stderrLog, ['processes', i, 'stderrLog']];
    if (p.pidfile !== undefined) yield [p.pidfile, ['processes', i, 'pidfile']];
    if (p.ready.type === 'qmp') yield [p.ready.socket, ['processes', i, 'ready', 'socket']];
    if (p.ready.type === 'path') yield [p.ready.path, ['processes', i, 'ready', 'path']];
    for (const [j, w] of p.argv.entries()) yield [w, ['processes', i, 'argv', j]];
  }
  for (const [i, v] of plan.vms.entries()) {
    for (const key of ['name', 'console', 'consoleLog', 'qmp', 'pidfile'] as const) yield [v[key], ['vms', i, key]];
  }
}

/** The problems that stop `plan` from being exported (empty when it can be). */
export function checkPlan(plan: LabPlan): EmitError[] {
  const errors: EmitError[] = [];
  for (const [word, path] of planStrings(plan)) {
    const problem = argvWordProblem(word);
    if (problem !== null) errors.push({ code: 'EMIT_BAD_WORD', message: `${path.join('.')} ${problem}`, path });
  }
  const empty = (argv: readonly string[], path: Path): void => {
    if (argv.length === 0)
      errors.push({ code: 'EMIT_EMPTY_ARGV', message: `${path.join('.')} is an empty command`, path });
  };
  for (const [i, s] of plan.hostSteps.entries()) {
    empty(s.argv, ['hostSteps', i, 'argv']);
    if (s.undo !== null) empty(s.undo, ['hostSteps', i, 'undo']);
    if (s.inNetns && plan.netns === null && plan.target.isolation !== 'userns') {
      const message = `host step ${s.id} runs in the lab's network namespace, but the plan has none`;
      errors.push({ code: 'EMIT_NO_NETNS', message, path: ['hostSteps', i, 'inNetns'] });
    }
  }
  for (const [i, p] of plan.processes.entries()) empty(p.argv, ['processes', i, 'argv']);
  return errors;
}
