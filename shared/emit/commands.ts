import type { HostStep, LabPlan } from '../compiler/plan';
import type { ProcEntry } from './context';
import { shellLineIn, shellWordIn, type Relocation } from './quote';

/** A host step's argv (or its undo) as script text: inside the lab's netns and through as_root as the step says. */
export function stepCommand(
  step: HostStep,
  argv: readonly string[],
  netns: string | null,
  rel: readonly Relocation[],
): string {
  const words = step.inNetns && netns !== null ? ['ip', 'netns', 'exec', netns, ...argv] : argv;
  return step.needsRoot || step.inNetns ? `as_root ${shellLineIn(words, rel)}` : shellLineIn(words, rel);
}

/**
 * The line that starts a process in the background: in the lab's netns (as root) when there is one, `-S` appended
 * to guests by `up.sh --paused`, stdout and stderr to its log, stdin from its FIFO or /dev/null.
 */
export function startCommand(entry: ProcEntry, plan: LabPlan, rel: readonly Relocation[]): string {
  const { proc } = entry;
  // `env` execs the program, so the process runs exactly proc.argv (what stop_processes matches).
  const env = proc.env ? ['env', ...Object.entries(proc.env).map(([k, v]) => `${k}=${v}`)] : [];
  const words =
    plan.netns !== null ? ['ip', 'netns', 'exec', plan.netns, ...env, ...proc.argv] : [...env, ...proc.argv];
  const prefix = plan.netns !== null ? '"${PROC_AS[@]}" ' : '';
  const paused = proc.kind === 'vm' ? ' "${PAUSED[@]}"' : '';
  const stdin = entry.fifo !== null ? `<>${shellWordIn(entry.fifo, rel)}` : '</dev/null';
  return `${prefix}${shellLineIn(words, rel)}${paused} ${stdin} >>${shellWordIn(proc.stderrLog, rel)} 2>&1 &`;
}

/** A call of a bash function with plan data as arguments, each quoted (the relocated directories as variables). */
export function call(rel: readonly Relocation[], fn: string, ...args: readonly string[]): string {
  return [fn, ...args.map((a) => shellWordIn(a, rel))].join(' ');
}
