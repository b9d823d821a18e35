/** How a command enters a rootless lab's namespace: through its holder's pid, with nsenter (which execs it). */

/** argv that runs `argv` inside the holder's namespaces, as the user (root there), in the same pid. */
export function enterArgv(holderPid: number, argv: readonly string[]): string[] {
  return ['nsenter', '--preserve-credentials', '-t', String(holderPid), '-U', '-n', '--', ...argv];
}

/** The command after an `enterArgv` prefix, or null when argv has none. */
export function enteredCommand(
  argv: readonly string[],
): { readonly holder: number; readonly argv: readonly string[] } | null {
  if (argv[0] !== 'nsenter' || argv[1] !== '--preserve-credentials' || argv[2] !== '-t') return null;
  if (argv[4] !== '-U' || argv[5] !== '-n' || argv[6] !== '--' || !/^\d+$/.test(argv[3] ?? '')) return null;
  return { holder: Number(argv[3]), argv: argv.slice(7) };
}
