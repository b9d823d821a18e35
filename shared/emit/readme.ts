import { consolePortOf } from '../compiler/consoleport';
import type { EmitContext } from './context';
import { shellLine } from './quote';

/** README.txt: what the exported files are and how to use them. Plain text, never run. */
export function readme(ctx: EmitContext): string {
  const { plan } = ctx;
  const lines = [
    `Qnet Studio lab "${plan.lab}", exported as scripts that run without the app.`,
    '',
    'Files',
    '  up.sh       sets up the host and starts the lab in the background',
    '  down.sh     stops the lab and undoes the host setup',
    '  plan.json   the compiled plan the scripts were written from (argv arrays, host steps, processes)',
    '',
    'up.sh [--paused]',
    '  1. checks that every program it needs is installed (and names the Debian/Ubuntu package when not);',
    '  2. runs the host steps in order (root steps through sudo when you are not root; netns steps inside the',
    "     lab's network namespace), writing each to a journal in the state directory before running it;",
    '  3. starts the switches and guests in the background, each after what it depends on is ready, with',
    '     stdout and stderr in a log file and its pid in the state directory;',
    '  4. prints where each guest console, console log and QMP socket is, and how to attach.',
    '  If anything fails, up.sh undoes what it did (stops what it started, undoes the journaled steps) and',
    '  exits non-zero. --paused starts every guest paused (QEMU -S); resume a guest over QMP with "cont".',
    '',
    'down.sh',
    '  Stops every process (TERM, KILL after 10 s), undoes the journaled host steps in reverse order, removes',
    '  sockets, pidfiles and FIFOs, and keeps the logs. Safe to run twice and after a failed up.sh; exits 0',
    '  when nothing of the lab is left.',
    '',
    ctx.movable
      ? `State directory: picked when up.sh runs (--state-dir DIR, $QNET_STATE_DIR, the exported ${ctx.stateDir} when it is yours, else /run/qnet/<lab> for root, $XDG_RUNTIME_DIR/qnet/<lab> or ~/.qnet/<lab>); the paths below are the exported ones`
      : `State directory: ${ctx.stateDir}`,
  ];
  if (ctx.guests.length > 0) {
    lines.push(
      '',
      'Tiny guest',
      `  up.sh boots the tiny guest (${ctx.guests.map((g) => g.arch).join(', ')}) from $QNET_GUEST_DIR/<arch>, guest/<arch> beside`,
      '  up.sh, or ~/.cache/qnet/guest/<arch> of the user who runs it; when it is in none, up.sh says so and how to',
      '  build it: npx qnet guest build --arch <arch> (Qnet Studio; no root needed).',
    );
  }
  if (plan.netns !== null) lines.push(`Network namespace: ${plan.netns} (processes run in it, as root)`);
  if (ctx.userns)
    lines.push(
      "Namespace: the lab's own user + network namespace, made by up.sh with unshare (no root needed) and held by",
      '  a "sleep infinity" whose pid is in the state directory (userns.holder); every host step and process runs',
      '  in it through nsenter, so nothing of the host network changes; down.sh ends it, and all made in it, last.',
    );
  if (plan.hostSteps.length > 0) {
    lines.push('', 'Host steps');
    for (const { step, number } of ctx.steps) lines.push(`  ${number}. ${step.description}`);
  }
  if (plan.vms.length > 0) lines.push('', 'Guests');
  for (const vm of plan.vms) {
    lines.push(`  ${vm.name}`);
    lines.push(
      `    console:     ${shellLine(['socat', '-', `UNIX-CONNECT:${vm.console}`])}   (socat: apt-get install socat)`,
    );
    const tcp = consolePortOf(vm);
    if (tcp)
      lines.push(
        `    console TCP: nc ${tcp.host} ${tcp.port}   (up.sh relays ${tcp.host}:${tcp.port} to the console socket with socat)`,
      );
    lines.push(`    console log: ${vm.consoleLog}`);
    lines.push(`    QMP:         ${vm.qmp}`);
  }
  return lines.join('\n') + '\n';
}
