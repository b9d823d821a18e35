/**
 * How a command enters a rootless lab's namespaces (isolation userns): nsenter into the user and network namespace
 * of the lab's holder, keeping the user's own credentials (it is root in there). nsenter execs the command, so its
 * pid is the command's. The engine, the exported scripts and the Commands panel all use these words.
 */

/** What the holder runs once unshare has made its namespaces (unshare execs it: the holder's pid is unshare's). */
export const HOLDER_COMMAND = ['sleep', 'infinity'] as const;
/** The holder as started: a user namespace mapping the user to root in it, and a network namespace it owns. */
export const HOLDER_ARGV = ['unshare', '--user', '--map-root-user', '--net', '--', ...HOLDER_COMMAND] as const;
/**
 * What a gated holder runs before it becomes the holder's command: it waits for one line on its stdin, a pipe only
 * its starter writes to, and execs the command (same pid) once given it. Should the starter die before it has
 * recorded the holder, the pipe closes unread and the holder ends itself, so no holder outlives its starter unknown.
 */
export const HOLDER_GATE = ['sh', '-c', 'read -r go && exec "$@"', 'qnet-holder'] as const;
/** What a gated holder's pid runs while it waits at its gate (unshare has exec'd the gate, not the command yet). */
export const GATED_HOLDER_COMMAND = [...HOLDER_GATE, ...HOLDER_COMMAND] as const;
/** HOLDER_ARGV with the gate between unshare and the holder's command (the engine and up.sh start this one). */
export const GATED_HOLDER_ARGV = [...HOLDER_ARGV.slice(0, -HOLDER_COMMAND.length), ...GATED_HOLDER_COMMAND] as const;

/** The words before the holder's pid. */
export const ENTER_BEFORE = ['nsenter', '--preserve-credentials', '-t'] as const;
/** The words between the holder's pid and the command. */
export const ENTER_AFTER = ['-U', '-n', '--'] as const;

/** argv that runs `argv` inside the namespaces of the holder `holder` (its pid). */
export function enterArgv(holder: number | string, argv: readonly string[]): string[] {
  return [...ENTER_BEFORE, String(holder), ...ENTER_AFTER, ...argv];
}

/**
 * The words a process that joins the holder itself (pasta) gets after its plan argv: the holder's pid last and, when
 * root starts it, `--runas 0` before it: pasta started by root otherwise drops to nobody, who may not enter a
 * namespace root owns.
 */
export function joinHolderWords(holder: number, root: boolean): string[] {
  return [...(root ? ['--runas', '0'] : []), String(holder)];
}

/**
 * How a rootless lab's commands run, in one sentence for the Commands panel and `qnet compile`: the holder first,
 * then every command through nsenter (the holder's pid is known only once it runs), pasta joining it by that pid.
 */
export function usernsNote(shell: (argv: readonly string[]) => string): string {
  return (
    `runs in a user + network namespace of its own, no root: its holder starts first (${shell(HOLDER_ARGV)}), ` +
    `then every step and process below runs through ${shell(enterArgv('PID', []))} with the holder's PID ` +
    "(pasta joins it itself: the holder's PID is its last argument)"
  );
}

/** Why a lab runs where the host's network is, for the same places: what of the host it reaches. */
export function hostNote(uses: readonly string[]): string {
  return `runs on the host's network, not in a namespace of its own: it reaches ${uses.join(', ')}`;
}
