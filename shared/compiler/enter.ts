/**
 * How a command enters a rootless lab's namespaces (isolation userns): nsenter into the user and network namespace
 * of the lab's holder, keeping the user's own credentials (it is root in there). nsenter execs the command, so its
 * pid is the command's. The engine, the exported scripts and the Commands panel all use these words.
 */

/** The words before the holder's pid. */
export const ENTER_BEFORE = ['nsenter', '--preserve-credentials', '-t'] as const;
/** The words between the holder's pid and the command. */
export const ENTER_AFTER = ['-U', '-n', '--'] as const;

/** argv that runs `argv` inside the namespaces of the holder `holder` (its pid). */
export function enterArgv(holder: number | string, argv: readonly string[]): string[] {
  return [...ENTER_BEFORE, String(holder), ...ENTER_AFTER, ...argv];
}
