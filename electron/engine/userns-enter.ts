/** How a command enters a rootless lab's namespace: through its holder's pid, with nsenter (which execs it). */
import { ENTER_AFTER, ENTER_BEFORE, enterArgv as enterWords } from '../../shared/compiler/enter';

/** argv that runs `argv` inside the holder's namespaces, as the user (root there), in the same pid. */
export function enterArgv(holderPid: number, argv: readonly string[]): string[] {
  return enterWords(holderPid, argv);
}

/** The command after an `enterArgv` prefix, or null when argv has none. */
export function enteredCommand(
  argv: readonly string[],
): { readonly holder: number; readonly argv: readonly string[] } | null {
  const n = ENTER_BEFORE.length;
  if (ENTER_BEFORE.some((w, i) => argv[i] !== w) || ENTER_AFTER.some((w, i) => argv[n + 1 + i] !== w)) return null;
  if (!/^\d+$/.test(argv[n] ?? '')) return null;
  return { holder: Number(argv[n]), argv: argv.slice(n + 1 + ENTER_AFTER.length) };
}
