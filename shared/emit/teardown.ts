import type { EmitContext } from './context';
import { dirName, joinPath } from './context';
import { call, envWords, IN_LAB, JOIN_HOLDER, stepCommand } from './commands';
import { shellLineIn, shellQuote, shellWordIn } from './quote';

/** undo_step TOKEN: runs the undo of one journaled host step; status 3 for a token this plan does not know. */
function undoStep(ctx: EmitContext): string[] {
  const lines = ['undo_step() {', '  case "$1" in'];
  for (const { step, token, number } of ctx.steps) {
    lines.push(`    ${token})`);
    if (step.undo === null) {
      lines.push('      return 0 ;;');
      continue;
    }
    lines.push(`      ${call(ctx.relocations, 'say', `undo ${number}/${ctx.steps.length}:`, step.description)}`);
    lines.push(`      ${stepCommand(step, step.undo, ctx.plan, ctx.relocations)} ;;`);
  }
  lines.push(
    '    *)',
    '      warn "journal entry $1 is not a step of this lab (written by another version of it?): skipped"',
  );
  lines.push('      return 3 ;;', '  esac', '}');
  return lines;
}

/** undo_hint TOKEN: what to say about a step begun and never settled (up.sh was killed while it ran). */
function undoHint(ctx: EmitContext): string[] {
  const lines = ['undo_hint() {', '  case "$1" in'];
  for (const { step, token, number } of ctx.steps) {
    if (step.undo === null) continue;
    const undo = shellLineIn(
      step.inNetns && ctx.plan.netns !== null ? ['ip', 'netns', 'exec', ctx.plan.netns, ...step.undo] : step.undo,
      [],
    );
    lines.push(
      `    ${token}) ${call(ctx.relocations, 'warn', `step ${number} (${step.description}) did not finish: what it names may exist from before, so it is left alone; if it is left from this lab, remove it with:`, undo)} ;;`,
    );
  }
  lines.push('    *) ;;', '  esac', '}');
  return lines;
}

/** The array that holds process `index`'s argv in both scripts: written once, started and recognized by name. */
export function argvName(index: number): string {
  return `ARGV_${index + 1}`;
}

/** `"${ARGV_N[@]}"`: process `index`'s argv as words of a command line. */
export function argvOf(index: number): string {
  return `"\${${argvName(index)}[@]}"`;
}

/**
 * lab_argvs: sets each process's argv array, once the directories its words name are located (parseOptions calls
 * it). Each argv is written here alone: up.sh starts it and is_proc_N recognizes it by the array's name.
 */
function labArgvs(ctx: EmitContext): string[] {
  return [
    'lab_argvs() {',
    ...ctx.procs.map(
      ({ proc }, i) => `  ${argvName(i)}=(${proc.argv.map((w) => shellWordIn(w, ctx.relocations)).join(' ')})`,
    ),
    '  return 0',
    '}',
  ];
}

/**
 * is_proc_N PID: true when PID runs one of the exact argvs up.sh may have started as process N: its argv (with -S
 * after `up.sh --paused` for a guest), or, in the lab's namespace, under `ip netns exec NS` and `sudo -- ip netns
 * exec NS`, or nsenter into the user namespace's holder (the job's pid until it execs, or sudo's); a process that
 * joins the holder itself (pasta) has the holder's pid last. A pidfile whose pid now runs anything else is not
 * followed.
 */
function isProcFunctions(ctx: EmitContext): string[] {
  const lines: string[] = [];
  const words = (a: readonly string[]) => a.map((w) => shellWordIn(w, ctx.relocations)).join(' ');
  // Words before the argv (none, or `env NAME=VALUE`), then the argv's own script text.
  const then = (before: readonly string[], argv: string) => (before.length ? `${words(before)} ${argv}` : argv);
  ctx.procs.forEach((entry, i) => {
    const { proc } = entry;
    const own = proc.kind === 'vm' ? [argvOf(i), `${argvOf(i)} -S`] : [argvOf(i)];
    const ns = ctx.plan.netns;
    const env = envWords(proc);
    const forms =
      proc.kind === 'console-relay'
        ? ns === null
          ? own
          : own.flatMap((a) => [a, then(['sudo', '--'], a)])
        : ctx.userns
          ? own.flatMap((a) =>
              proc.joinsLab
                ? [`${then(env, a)} ${JOIN_HOLDER}`, `${a} ${JOIN_HOLDER}`]
                : [a, `${IN_LAB} ${then(env, a)}`],
            )
          : ns === null
            ? own
            : own.flatMap((a) => [
                a,
                then(['ip', 'netns', 'exec', ns], a),
                then(['sudo', '--', 'ip', 'netns', 'exec', ns], a),
              ]);
    lines.push(
      `${isProcName(i)}() {`,
      `  ${[...new Set(forms)].map((f) => `runs_argv "$1" ${f}`).join(' ||\n    ')}`,
      '}',
    );
  });
  return lines;
}

/** The name of the function that recognizes process `index` of the emit context. */
export function isProcName(index: number): string {
  return `is_proc_${index + 1}`;
}

/** stop_processes: TERM to every process in reverse start order, then wait for all. */
function stopProcesses(ctx: EmitContext): string[] {
  const lines = ['stop_processes() {'];
  for (const [i, entry] of [...ctx.procs.entries()].reverse()) {
    const pidfiles = [entry.jobPidfile, ...(entry.proc.pidfile !== undefined ? [entry.proc.pidfile] : [])];
    lines.push(
      `  stop_proc ${shellQuote(entry.label)} ${isProcName(i)} ${pidfiles.map((p) => shellWordIn(p, ctx.relocations)).join(' ')}`,
    );
  }
  lines.push('  stop_wait');
  // A UML instance's guest processes are forks with its argv: one that outlived its kernel is killed too.
  ctx.procs.forEach((entry, i) => {
    if (entry.proc.kind === 'uml')
      lines.push(`  stop_strays ${shellQuote(entry.label)} ${isProcName(i)} ${shellQuote(entry.proc.argv[0] ?? '')}`);
  });
  lines.push('}');
  return lines;
}

/**
 * The files the lab's processes leave behind (sockets, pidfiles, FIFOs) in its state directory; console and process
 * logs are kept. A switch's `sock:` elsewhere is left to vde_switch, which removes its own ctl and directory.
 */
function runtimeFiles(ctx: EmitContext): { files: string[]; dirs: string[] } {
  const files = new Set<string>();
  const dirs = new Set<string>();
  const ours = (path: string) => path.startsWith(`${ctx.stateDir}/`);
  for (const { proc, jobPidfile, fifo } of ctx.procs) {
    files.add(jobPidfile);
    if (fifo !== null) files.add(fifo);
    if (proc.pidfile !== undefined) files.add(proc.pidfile);
    if (proc.ready.type === 'qmp') files.add(proc.ready.socket);
    if (proc.ready.type === 'path') {
      files.add(proc.ready.path);
      // A switch's socket directory (vde_switch -sock DIR makes DIR/ctl): removed when empty.
      if (dirName(proc.ready.path) !== ctx.stateDir) dirs.add(dirName(proc.ready.path));
    }
    for (const d of proc.runtimeDirs ?? []) dirs.add(d);
    for (const f of proc.runtimeFiles ?? []) files.add(f);
  }
  for (const vm of ctx.plan.vms) {
    [vm.console, vm.qmp, vm.pidfile].forEach((f) => files.add(f));
    // A linked clone to discard goes with the lab; a kept one stays for its next launch.
    for (const d of vm.disks ?? []) if (d.overlay && !d.overlay.keep) files.add(d.overlay.path);
  }
  // The links up.sh made to the tiny guests it found.
  for (const g of ctx.guests) files.add(joinPath(ctx.stateDir, g.link));
  return { files: [...files].filter(ours), dirs: [...dirs].filter(ours) };
}

/** remove_runtime_files: rm -f the runtime files, rmdir the socket directories that are left empty. */
function removeFiles(ctx: EmitContext): string[] {
  const { files, dirs } = runtimeFiles(ctx);
  const lines = ['remove_runtime_files() {'];
  if (files.length > 0)
    lines.push(`  "\${PROC_AS[@]}" rm -f -- ${files.map((f) => shellWordIn(f, ctx.relocations)).join(' ')} || true`);
  for (const dir of dirs)
    lines.push(`  "\${PROC_AS[@]}" rmdir -- ${shellWordIn(dir, ctx.relocations)} 2>/dev/null || true`);
  lines.push('  return 0', '}');
  return lines;
}

/** The plan's own functions shared by up.sh (rollback) and down.sh: undo_step, stop_processes, teardown. */
export function teardownFunctions(ctx: EmitContext): string {
  const teardown = [
    '# Stop every process, remove its runtime files, undo the journaled host steps; false if something is left.',
    'teardown() {',
    '  local ok=0',
    '  if stop_processes; then remove_runtime_files; else ok=1; fi',
    '  undo_journal || ok=1',
    // Last: the namespace, with whatever the steps made in it, ends with its holder.
    ...(ctx.userns ? ['  stop_holder || ok=1'] : []),
    '  return "$ok"',
    '}',
  ];
  return (
    [
      ...undoStep(ctx),
      ...undoHint(ctx),
      ...labArgvs(ctx),
      ...isProcFunctions(ctx),
      ...stopProcesses(ctx),
      ...removeFiles(ctx),
      ...teardown,
    ].join('\n') + '\n'
  );
}
