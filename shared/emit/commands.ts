import type { HostStep, LabPlan } from '../compiler/plan';
import type { EmitProcess, ProcEntry } from './context';
import { ENTER_AFTER, ENTER_BEFORE } from '../compiler/enter';
import { shellLineIn, shellQuote, shellWordIn, type Relocation } from './quote';

/**
 * The words that run a command in a rootless lab's namespaces, as script text: nsenter through the holder up.sh
 * started, whose pid the scripts keep in $HOLDER (found when they run, so it is the one word not from the plan).
 */
export const IN_LAB = `${ENTER_BEFORE.map(shellQuote).join(' ')} "$HOLDER" ${ENTER_AFTER.map(shellQuote).join(' ')}`;

/**
 * What a process that joins the holder itself (pasta) gets after its argv, as script text (joinHolderWords): JOIN_AS
 * is `--runas 0` when root runs the script, and the holder's pid comes last.
 */
export const JOIN_HOLDER = '"${JOIN_AS[@]}" "$HOLDER"';

/** A host step's argv (or its undo) as script text: inside the lab's namespace and through as_root as the step says. */
export function stepCommand(
  step: HostStep,
  argv: readonly string[],
  plan: LabPlan,
  rel: readonly Relocation[],
): string {
  if (step.inNetns && plan.target.isolation === 'userns') return `${IN_LAB} ${shellLineIn(argv, rel)}`;
  const words = step.inNetns && plan.netns !== null ? ['ip', 'netns', 'exec', plan.netns, ...argv] : argv;
  return step.needsRoot || step.inNetns ? `as_root ${shellLineIn(words, rel)}` : shellLineIn(words, rel);
}

/** The `env NAME=VALUE` words a process is started with (none when it needs no environment of its own). */
export function envWords(proc: EmitProcess): string[] {
  return proc.env ? ['env', ...Object.entries(proc.env).map(([k, v]) => `${k}=${v}`)] : [];
}

/** A command line: `words` (the first one the command) followed by `rest`, script text already. */
function wordsThen(words: readonly string[], rest: string, rel: readonly Relocation[]): string {
  return words.length === 0 ? rest : `${shellLineIn(words, rel)} ${rest}`;
}

/**
 * A process's command line as script text, where the lab runs it: in its netns (`ip netns exec`), entered into its
 * user namespace (nsenter), or, for a process that joins the lab's namespace itself (pasta), on the host: with the
 * holder's pid last, or as it is in a netns lab (its argv names the namespace). `argv` is its argv as script text:
 * the expansion of the array the scripts state it in once.
 */
function processLine(proc: EmitProcess, plan: LabPlan, argv: string, rel: readonly Relocation[]): string {
  // A console relay binds the host's loopback, so it runs on the host whatever the isolation.
  if (proc.kind === 'console-relay') return argv;
  // `env` execs the program, so the process runs exactly proc.argv (what stop_processes matches).
  const env = envWords(proc);
  if (plan.target.isolation === 'userns')
    return proc.joinsLab ? `${wordsThen(env, argv, rel)} ${JOIN_HOLDER}` : `${IN_LAB} ${wordsThen(env, argv, rel)}`;
  return wordsThen(
    plan.netns !== null && !proc.joinsLab ? ['ip', 'netns', 'exec', plan.netns, ...env] : env,
    argv,
    rel,
  );
}

/**
 * The line that starts a process in the background: where the lab runs it (as root in a netns lab), `-S` appended
 * to guests by `up.sh --paused`, stdout and stderr to its log, stdin from its FIFO or /dev/null.
 */
export function startCommand(entry: ProcEntry, plan: LabPlan, argv: string, rel: readonly Relocation[]): string {
  const { proc } = entry;
  const prefix = plan.netns !== null ? '"${PROC_AS[@]}" ' : '';
  const paused = proc.kind === 'vm' ? ' "${PAUSED[@]}"' : '';
  const stdin = entry.fifo !== null ? `<>${shellWordIn(entry.fifo, rel)}` : '</dev/null';
  return `${prefix}${processLine(proc, plan, argv, rel)}${paused} ${stdin} >>${shellWordIn(proc.stderrLog, rel)} 2>&1 &`;
}

/** A call of a bash function with plan data as arguments, each quoted (the relocated directories as variables). */
export function call(rel: readonly Relocation[], fn: string, ...args: readonly string[]): string {
  return [fn, ...args.map((a) => shellWordIn(a, rel))].join(' ');
}
