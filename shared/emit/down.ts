import type { EmitContext } from './context';
import { header, parseOptions, procAs, stateUsage, usage } from './header';
import { RUNTIME, USERNS_RUNTIME } from './runtime';
import { teardownFunctions } from './teardown';

/** down.sh --help. */
function downUsage(ctx: EmitContext): string[] {
  return [
    `usage: down.sh${ctx.movable ? ' [--state-dir DIR]' : ''}`,
    'Stops the lab (TERM, then KILL after 10 s), undoes the host setup that up.sh journaled (in reverse), and removes',
    'sockets, pidfiles and FIFOs; console and process logs are kept. Safe to run twice and after a failed up.sh.',
    ...(ctx.userns
      ? ["Last it ends the lab's namespace holder: the namespace, and all up.sh made in it, ends with it."]
      : []),
    ...stateUsage(ctx),
  ];
}

const BODY = `if teardown; then
  rmdir -- "$STATE" 2>/dev/null || true
  say "lab $LAB is down (logs kept in $STATE)"
  exit 0
fi
warn "lab $LAB is not completely down: see the messages above"
exit 1
`;

/** The text of down.sh. */
export function downScript(ctx: EmitContext): string {
  const what = 'down.sh: stop this Qnet Studio lab and undo its host setup (--help for details).';
  const options = parseOptions(ctx, []).join('\n') + '\n';
  // The recorded holder: the pid the lab's commands name, and the namespace ended last.
  const holder = ctx.userns ? ['read_holder || true\n'] : [];
  return [
    header(ctx, what),
    RUNTIME,
    ...(ctx.userns ? [USERNS_RUNTIME] : []),
    teardownFunctions(ctx),
    usage(downUsage(ctx)),
    procAs(ctx),
    options,
    ...holder,
    BODY,
  ].join('\n');
}
