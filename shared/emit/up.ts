import { consolePortOf } from '../compiler/consoleport';
import type { EmitContext, ProcEntry } from './context';
import { dirName } from './context';
import { backingMember, cloneBaseChanged } from './clones';
import { call, startCommand, stepCommand } from './commands';
import { header, parseOptions, procAs, stateUsage, usage } from './header';
import { debianPackage, programsOf } from './packages';
import { shellQuote, shellWordIn } from './quote';
import { RUNTIME, UP_RUNTIME, USERNS_RUNTIME } from './runtime';
import { argvOf, isProcName, teardownFunctions } from './teardown';

/** up.sh --help. */
function upUsage(ctx: EmitContext): string[] {
  return [
    `usage: up.sh [--paused]${ctx.movable ? ' [--state-dir DIR]' : ''}`,
    ctx.userns
      ? "Makes the lab's own user + network namespace (no root needed), sets up its bridges and taps in it, and"
      : 'Sets up the host (bridges, taps, namespaces: with sudo when not root) and starts the lab in the background.',
    ...(ctx.userns ? ['starts the lab in it in the background; nothing of the host network is touched.'] : []),
    '  --paused         start every guest paused (QEMU -S): attach consoles or gdb first, then resume over QMP',
    '                   with "cont"',
    ...stateUsage(ctx),
    ...(ctx.guests.length > 0
      ? [
          'The tiny guest is read from $QNET_GUEST_DIR/<arch>, guest/<arch> beside this script, or the cache',
          '"qnet guest build" fills (~/.cache/qnet/guest/<arch>).',
        ]
      : []),
    'On failure everything done so far is undone. Stop the lab with down.sh.',
  ];
}

/** Options, then: programs present, sudo once, refuse a lab already up. */
function preflight(ctx: EmitContext): string[] {
  const lines = [
    'PAUSED=()',
    ...parseOptions(ctx, ['    --paused) PAUSED=(-S) ;;']),
    '',
    'MISSING=0',
    '# need PROGRAM PACKAGE: note a program that is not installed.',
    'need() {',
    '  if command -v -- "$1" >/dev/null 2>&1; then return 0; fi',
    '  if [ -n "$2" ]; then warn "missing program $1: install it with: sudo apt-get install $2"; else warn "missing program $1"; fi',
    '  MISSING=1',
    '}',
  ];
  const programs = programsOf(ctx.plan);
  // The console relays: socat listens, ss says when.
  if (ctx.procs.some((e) => e.proc.kind === 'console-relay'))
    for (const p of ['socat', 'ss']) if (!programs.includes(p)) programs.push(p);
  for (const program of programs) lines.push(call(ctx.relocations, 'need', program, debianPackage(program)));
  if (ctx.usesRoot) lines.push("if ! is_root; then need sudo 'sudo'; fi");
  for (const g of ctx.guests)
    lines.push(
      `FOUND_${g.arch}=''`,
      `${call([], 'find_guest', g.arch, g.kernel, g.initrd, g.dir)} && FOUND_${g.arch}=$FOUND`,
    );
  lines.push('if [ "$MISSING" -ne 0 ]; then fail "install the missing programs, then run up.sh again"; fi');
  for (const { node, overlay } of overlaysOf(ctx)) {
    const missing = `${node}: the disk image ${overlay.base} (the base of its linked clone) does not exist: fix the path in its disk settings`;
    lines.push(`if [ ! -f ${shellQuote(overlay.base)} ]; then ${call(ctx.relocations, 'fail', missing)}; fi`);
  }
  if (ctx.usesRoot) {
    lines.push('if ! is_root; then', '  say "some steps need root: asking sudo once"', '  sudo -v', 'fi');
  }
  lines.push(
    'if [ -e "$JOURNAL" ]; then fail "this lab is (partly) up already ($JOURNAL exists): run down.sh first"; fi',
  );
  if (ctx.userns)
    lines.push(
      'if [ -e "$(holder_file)" ]; then fail "this lab is (partly) up already ($(holder_file) exists): run down.sh first"; fi',
    );
  ctx.procs.forEach((e, i) =>
    lines.push(`refuse_running ${shellQuote(e.label)} ${isProcName(i)} ${shellWordIn(e.jobPidfile, ctx.relocations)}`),
  );
  // After "already up"/"already running": a running guest holds its clone's lock, and qemu-img info fails on it.
  lines.push(...keptClones(ctx));
  lines.push(...nameChecks(ctx));
  for (const { proc } of ctx.procs)
    if (proc.kind === 'console-relay')
      lines.push(call(ctx.relocations, 'port_free', proc.node, proc.port.host, String(proc.port.port)));
  for (const { label, proc } of ctx.procs)
    if (proc.kind === 'vde_switch' && proc.ready.type === 'path')
      lines.push(call(ctx.relocations, 'switch_free', label, dirName(proc.ready.path)));
  lines.push('private_dir "$STATE"');
  const dirs = new Set(ctx.procs.map((e) => dirName(e.proc.stderrLog)).filter((d) => d !== ctx.stateDir));
  if (dirs.size > 0)
    lines.push(`mkdir -p -m 700 -- ${[...dirs].map((d) => shellWordIn(d, ctx.relocations)).join(' ')}`);
  // QEMU reads each tiny guest through a link in the state directory, so down.sh knows its argv without a search.
  for (const g of ctx.guests) lines.push(`ln -sfn -- "$FOUND_${g.arch}" "$GUEST_${g.arch}"`);
  lines.push('trap on_exit EXIT', "trap 'exit 130' INT", "trap 'exit 143' TERM", '');
  return lines;
}

/**
 * A kept linked clone already there is used only when qemu-img says it was made from the image its guest names now
 * (`backing-filename`): one made from another image is refused, as the engine refuses it, before anything runs.
 */
function keptClones(ctx: EmitContext): string[] {
  const lines: string[] = [];
  for (const { node, overlay } of overlaysOf(ctx)) {
    if (!overlay.keep) continue;
    const path = shellWordIn(overlay.path, ctx.relocations);
    const info = `"\${PROC_AS[@]}" ${overlay.info.map((w) => shellWordIn(w, ctx.relocations)).join(' ')}`;
    const unreadable = call(ctx.relocations, 'fail', `${node}: could not read its kept linked clone ${overlay.path}`);
    lines.push(
      `if [ -f ${path} ]; then`,
      `  INFO=$(${info}) || ${unreadable}`,
      `  case "$INFO" in *${shellQuote(backingMember(overlay))}*) ;; *) ${call(ctx.relocations, 'fail', cloneBaseChanged(node, overlay, null))} ;; esac`,
      'fi',
    );
  }
  return lines;
}

/**
 * What the host steps create must not exist yet, nor may an uplink be in a bridge already: checked before anything
 * runs. Steps inside the lab's own namespace cannot clash; an nftables table needs root to look up, and its
 * `nft create` refuses a taken name by itself.
 */
function nameChecks(ctx: EmitContext): string[] {
  const lines: string[] = [];
  for (const { step } of ctx.steps) {
    if (step.inNetns) continue;
    const c = step.creates;
    if (c?.kind === 'netns') lines.push(call(ctx.relocations, 'netns_free', c.name));
    else if (c?.kind === 'bridge' || c?.kind === 'tap' || c?.kind === 'ifb')
      lines.push(call(ctx.relocations, 'link_free', c.kind, c.name));
    if (step.enslaves !== undefined) lines.push(call(ctx.relocations, 'uplink_free', step.enslaves));
  }
  return lines;
}

/**
 * Each host step: journaled before it runs, then marked done, or failed (it made nothing: a create whose name is
 * taken fails, and that name is not the lab's, so rollback leaves it alone).
 */
function hostSteps(ctx: EmitContext): string[] {
  const lines: string[] = [];
  for (const { step, token, number } of ctx.steps) {
    lines.push(`journal begin ${token}`);
    lines.push(call(ctx.relocations, 'say', `${number}/${ctx.steps.length}:`, step.description));
    lines.push(
      `${stepCommand(step, step.argv, ctx.plan, ctx.relocations)} || { journal failed ${token}; ${call(ctx.relocations, 'fail', `step ${number} failed:`, step.description)}; }`,
    );
    lines.push(`journal done ${token}`);
  }
  return lines;
}

/** Each guest's linked clones, from the plan: a kept one already there is used again, a discarded one made afresh. */
function overlaysOf(ctx: EmitContext) {
  return ctx.plan.vms.flatMap((vm) =>
    (vm.disks ?? []).flatMap((d) => (d.overlay ? [{ node: vm.node, overlay: d.overlay }] : [])),
  );
}

function overlays(ctx: EmitContext): string[] {
  const lines: string[] = [];
  for (const { node, overlay } of overlaysOf(ctx)) {
    const path = shellWordIn(overlay.path, ctx.relocations);
    const create = `"\${PROC_AS[@]}" ${overlay.create.map((w) => shellWordIn(w, ctx.relocations)).join(' ')}`;
    const failed = call(ctx.relocations, 'fail', `${node}: could not make the linked clone of ${overlay.base}`);
    lines.push(call(ctx.relocations, 'say', `${node}: linked clone of ${overlay.base}:`, overlay.path));
    lines.push(overlay.keep ? `[ -f ${path} ] || ${create} || ${failed}` : `${create} || ${failed}`);
  }
  return lines;
}

/** The wait for one process's readiness (nothing for ready: none). */
function waitFor(ctx: EmitContext, entry: ProcEntry): string[] {
  const { ready, stderrLog } = entry.proc;
  if (ready.type === 'none') return [];
  const path = ready.type === 'qmp' ? ready.socket : ready.path;
  return [call(ctx.relocations, 'wait_path', entry.label, path, entry.jobPidfile, stderrLog)];
}

/** Start every process once its dependencies are ready; wait for all of them at the end. */
function processes(ctx: EmitContext): string[] {
  const lines: string[] = [];
  const waited = new Set<string>();
  const byId = new Map(ctx.procs.map((e) => [e.proc.id, e]));
  const waitOnce = (entry: ProcEntry): void => {
    if (waited.has(entry.proc.id)) return;
    waited.add(entry.proc.id);
    lines.push(...waitFor(ctx, entry));
  };
  for (const [i, entry] of ctx.procs.entries()) {
    for (const dep of entry.proc.dependsOn) waitOnce(byId.get(dep)!);
    const { proc } = entry;
    lines.push(call(ctx.relocations, 'say', `starting ${entry.label}`));
    if (proc.ready.type === 'qmp') lines.push(call(ctx.relocations, 'remove_stale', proc.ready.socket));
    if (proc.ready.type === 'path') lines.push(call(ctx.relocations, 'ready_before', proc.ready.path));
    if (entry.fifo !== null) {
      const fifo = shellWordIn(entry.fifo, ctx.relocations);
      lines.push(`rm -f -- ${fifo}`, `mkfifo -m 600 -- ${fifo}`);
    }
    lines.push(startCommand(entry, ctx.plan, argvOf(i), ctx.relocations));
    lines.push(`echo "$!" >${shellWordIn(entry.jobPidfile, ctx.relocations)}`);
    lines.push(`say "  pid $!, log:" ${shellWordIn(proc.stderrLog, ctx.relocations)}`);
    if (proc.kind === 'console-relay')
      lines.push(
        call(
          ctx.relocations,
          'wait_listen',
          entry.label,
          proc.port.host,
          String(proc.port.port),
          entry.jobPidfile,
          proc.stderrLog,
        ),
      );
  }
  for (const entry of ctx.procs) waitOnce(entry);
  for (const entry of ctx.procs)
    lines.push(call(ctx.relocations, 'check_alive', entry.label, entry.jobPidfile, entry.proc.stderrLog));
  return lines;
}

/** What the user needs next: where each guest's console, log and QMP socket are, how to attach, how to stop. */
function summary(ctx: EmitContext): string[] {
  const c = (...args: string[]) => call(ctx.relocations, ...(args as [string, ...string[]]));
  const lines = [c('say', `lab ${ctx.plan.lab} is up`)];
  for (const vm of ctx.plan.vms) {
    lines.push(c('say', `guest ${vm.name}`));
    lines.push(c('say_socket', '  console:', vm.console));
    const tcp = consolePortOf(vm);
    if (tcp) lines.push(c('say', `  console on ${tcp.host}:${tcp.port}: nc ${tcp.host} ${tcp.port}`));
    lines.push(c('say', '  console log:', vm.consoleLog));
    lines.push(c('say_socket', '  QMP:', vm.qmp));
    lines.push(`if [ "\${#PAUSED[@]}" -gt 0 ]; then ${c('say_resume', vm.qmp)}; fi`);
  }
  for (const p of ctx.plan.processes)
    if (p.console?.port)
      lines.push(
        c(
          'say',
          `${p.console.name}: its console TCP port ${p.console.port.port} is served by Qnet Studio, not by up.sh; its console here: type into ${p.console.input}, read ${p.stderrLog}`,
        ),
      );
  if (ctx.plan.vms.length > 0) {
    // The commands above need socat: say so here, where the user reads them, rather than fail a lab that runs.
    lines.push(
      `if ! command -v socat >/dev/null 2>&1; then say "socat, which the attach commands above use, is not installed: sudo apt-get install socat"; fi`,
    );
    if (ctx.plan.netns !== null)
      lines.push(`if ! is_root; then say "(the lab runs as root: prefix socat with sudo)"; fi`);
  }
  lines.push('printf -v STOP \'%q \' "$(dirname -- "$0")/down.sh" "${STATE_ARGS[@]}"', 'say "stop it with: ${STOP% }"');
  return lines;
}

/** The text of up.sh. */
export function upScript(ctx: EmitContext): string {
  // The namespace first: every step and process of a rootless lab runs in it.
  const holder = ctx.userns ? ['start_holder "$STATE/userns.log"'] : [];
  const body = [
    ...preflight(ctx),
    ...holder,
    ...hostSteps(ctx),
    ...overlays(ctx),
    ...processes(ctx),
    ...summary(ctx),
    'UP_OK=1',
    '',
  ];
  const what = 'up.sh: set up the host and start this Qnet Studio lab in the background (--help for options).';
  return [
    header(ctx, what),
    RUNTIME,
    UP_RUNTIME,
    ...(ctx.userns ? [USERNS_RUNTIME] : []),
    teardownFunctions(ctx),
    usage(upUsage(ctx)),
    procAs(ctx),
    body.join('\n'),
  ].join('\n');
}
