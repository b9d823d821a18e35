import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { EngineApi, EngineEvent, LaunchOptions, VmState } from '../../shared/api';
import type { Isolation, Privilege } from '../../shared/compiler/plan';
import { startEngineHost, type EngineHost } from '../engine/engine-host';
import { tinyGuestBuilder } from '../guest/ondemand';
import { loadTopology, yamlLocator } from '../../shared/model';
import { formatTrustItem, type TrustItem } from '../../shared/model/trust';
import { checkTrust, fileTrustStore, type TrustStore } from '../engine/trust';
import { detachUp } from './up-detach';
import { readTopologyFile } from '../engine/topology-file';
import { checkFlag } from './flags';
import { STATE_DIR_HELP, STATE_DIR_OPTION, stateDirFlag, stateDirOf } from './lab-common';
import { formatApiError, formatEvent, formatProblems, vmEnded } from './lab-progress';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';
import { qemuChoice } from './target-options';
import type { ChosenQemu } from '../../shared/compiler/target';

const UP_USAGE = `usage: qnet up FILE [--netns] [--privilege MODE] [--state-dir DIR] [--detach]

Launches the lab of a *.qnet.yaml topology: preflight, host setup, guests in dependency order. Prints each host
step and each guest's state, then how to attach to a console, and stays until Ctrl+C (or SIGTERM), which stops
the lab cleanly and undoes the host setup, or until every guest has ended. While it runs, "qnet status",
"qnet console", "qnet logs" and "qnet down" reach it through its control socket (DIR/engine-PID.sock).
Exit status: 0 when the lab ran and was stopped cleanly, 1 when preflight or the launch failed (the problems are
printed with their fixes) or a guest crashed.

options:
  --isolation MODE     userns, netns or host. Default: userns (no root: the lab's bridges, taps and guests in a
                       user + network namespace of its own, nothing changed on the host) unless the lab reaches a
                       host interface or bridge, then host. netns: a namespace root makes (needs root)
  --netns              --isolation netns
  --privilege MODE     root (create bridges and taps), helper (qemu-bridge-helper) or user (default: root)
  --qemu DIR|BINARY    run this QEMU instead of the installed one (a qemu-system-<arch> binary, a directory of
                       them, an install prefix, or one qnet qemu fetch unpacked); the lab is compiled for it
${STATE_DIR_HELP}
  --trust              run what the file names on this host (a VM's own binary, guestfwd commands, host files,
                       devices and sockets): qnet up lists those items and refuses the file without it; the answer
                       is remembered for this content (also by the editor)
  --detach             run the lab in the background: wait until it is running (or failed), print its name and
                       exit; the engine's output goes to DIR/LAB/qnet-up.log. Stop it with "qnet down LAB"
  -v, --verbose        also print the engine's log lines
  -h, --help           show this help`;

const UP_OPTIONS = {
  ...STATE_DIR_OPTION,
  qemu: { type: 'string' },
  netns: { type: 'boolean' },
  isolation: { type: 'string' },
  privilege: { type: 'string' },
  detach: { type: 'boolean' },
  trust: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What `qnet up` needs from its surroundings (tests replace the engine and the signals). */
export interface UpDeps {
  readonly createEngine?: (defaults: LaunchOptions) => EngineApi & { dispose(): Promise<void> };
  /** Calls `onSignal` on SIGINT or SIGTERM; returns the function that stops listening. */
  readonly onSignal?: (onSignal: (signal: string) => void) => () => void;
  /** The user's remembered approvals (default: their config directory, as the engine's). */
  readonly trust?: TrustStore;
}

/** The items of an untrusted file as `file:line: node "a", binary: …` lines, and what to do. */
function formatUntrusted(file: string, text: string, items: readonly TrustItem[]): string {
  const locate = yamlLocator(text);
  const lines = items.map((item) => {
    const at = locate(item.path);
    return `  ${basename(file)}${at ? `:${at.line}` : ''}: ${formatTrustItem(item)}`;
  });
  return (
    `qnet up: ${basename(file)} runs programs, reaches files or opens ports on this host; nothing was started:\n${lines.join('\n')}\n` +
    'Launch it only if you trust where it came from: check each item, then run qnet up again with --trust\n' +
    '(the answer is remembered for this content; an edit asks again)'
  );
}

const processSignals = (onSignal: (signal: string) => void) => {
  const handler = (signal: NodeJS.Signals) => onSignal(signal);
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
};

/** The launch options of the command line. */
function launchOptionsOf(
  values: { netns?: boolean | undefined; isolation?: string | undefined; privilege?: string | undefined },
  stateDir: string,
): LaunchOptions {
  const isolation = values.isolation ?? (values.netns ? 'netns' : undefined);
  if (isolation !== undefined) checkFlag('isolation', isolation, UP_USAGE);
  if (values.netns && isolation !== 'netns')
    throw new UsageError(`--netns contradicts --isolation ${isolation}`, UP_USAGE);
  const privilege = values.privilege;
  if (privilege !== undefined) checkFlag('privilege', privilege, UP_USAGE);
  return {
    stateDir,
    ...(isolation ? { isolation: isolation as Isolation } : {}),
    ...(privilege ? { privilege: privilege as Privilege } : {}),
  };
}

/**
 * Whether `qnet up` shows a log line, by its topic: the tiny guest's build, warnings, and errors that no other
 * event already shows (or every line with -v). Preflight problems were printed by the preflight event, step
 * failures by the step event, guest crashes by the guest's state; other processes (switches) only log theirs.
 */
function showLog(event: Extract<EngineEvent, { type: 'log' }>, verbose: boolean): boolean {
  if (verbose) return true;
  if (event.topic === 'preflight') return false;
  if (event.level === 'warn' || event.topic === 'guest-build') return true;
  return (
    event.level === 'error' && (event.topic === 'recovery' || (event.topic === 'exit' && event.process?.kind !== 'vm'))
  );
}

/** `qnet up FILE`. */
export async function upCommand(args: string[], io: Io, deps: UpDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: UP_OPTIONS });
  if (values.help) return (io.out(`${UP_USAGE}\n`), 0);
  if (positionals.length !== 1) throw new UsageError('up takes exactly one FILE', UP_USAGE);
  const file = resolve(positionals[0]!);
  const stateDir = stateDirOf(values, UP_USAGE);
  const options = launchOptionsOf(values, stateDir);
  const qemu = qemuChoice(values.qemu, UP_USAGE);
  const read = await readTopologyFile(file);
  if (!read.ok) throw new CliError(`qnet up: ${read.why}`);
  const { text } = read;
  // The trust step before anything starts (the engine checks it again): the same items and digest as the engine's.
  const loaded = loadTopology(text, basename(file));
  let approved: LaunchOptions = options;
  // (a file with errors is left to the engine, which names them: no question for a lab that cannot launch)
  if (loaded.ok && !loaded.diagnostics.some((d) => d.severity === 'error')) {
    const trusted = checkTrust(loaded.topology, undefined, deps.trust ?? fileTrustStore());
    if (!trusted.ok && !values.trust) throw new CliError(formatUntrusted(file, text, trusted.error.trust?.items ?? []));
    if (!trusted.ok && trusted.error.trust) approved = { ...options, trust: trusted.error.trust.digest };
  }
  if (values.detach) return detachUp({ file, text, stateDir, args }, io);
  return runForeground(
    { file, text, stateDir, options: approved, verbose: values.verbose ?? false, ...(qemu ? { qemu } : {}) },
    io,
    deps,
  );
}

interface Foreground {
  readonly file: string;
  readonly text: string;
  readonly stateDir: string;
  readonly options: LaunchOptions;
  readonly verbose: boolean;
  readonly qemu?: ChosenQemu;
}

async function runForeground(up: Foreground, io: Io, deps: UpDeps): Promise<number> {
  const make = deps.createEngine;
  let host: EngineHost;
  try {
    // `qnet status`, `console`, `logs` and `down` reach this lab only through the control socket: no socket, no lab.
    host = await startEngineHost({
      stateDir: up.stateDir,
      engine: { defaults: up.options, buildGuest: tinyGuestBuilder(), ...(up.qemu ? { qemu: up.qemu } : {}) },
      ...(make ? { createEngine: () => make(up.options) } : {}),
      exitsAfterStop: true,
      requireControl: true,
    });
  } catch (error) {
    throw new CliError(`qnet up: ${(error as Error).message}`);
  }
  const { engine } = host;

  let lab: string | null = null;
  let labState: string = 'idle';
  const vms = new Map<string, VmState>();
  const shown = new Set<string>();
  let wake: (why: 'signal' | 'ended' | 'stopped') => void = () => {};
  const woken = new Promise<'signal' | 'ended' | 'stopped'>((r) => (wake = r));
  let stoppingByUs = false;
  let failedShown = false;

  const unsubscribe = engine.subscribe((event) => {
    if ('lab' in event && lab !== null && event.lab !== lab) return;
    if (event.type === 'preflight') event.problems.forEach((p) => shown.add(p.message));
    if (event.type === 'log') {
      if (showLog(event, up.verbose)) io[event.level === 'error' ? 'err' : 'out'](`${event.level}: ${event.message}\n`);
    } else {
      const { text, stream } = formatEvent(event);
      if (text !== '') io[stream](`${text}\n`);
    }
    if (event.type === 'vmState') {
      vms.set(event.vm, event.state);
      if (labState === 'running' && vms.size > 0 && [...vms.values()].every(vmEnded)) wake('ended');
    }
    if (event.type === 'labState') {
      labState = event.state;
      if (event.state === 'failed') failedShown = true;
      if ((event.state === 'stopping' || event.state === 'stopped') && !stoppingByUs) wake('stopped');
    }
  });
  let signals = 0;
  const stopSignals = (deps.onSignal ?? processSignals)((signal) => {
    signals++;
    if (signals === 1) {
      io.out(`\n${signal}: stopping the lab\n`);
      wake('signal');
    } else io.err(`still stopping (undoing the host setup); ${signal} again will not skip it\n`);
  });

  const finish = async (code: number) => {
    stopSignals();
    unsubscribe();
    await host.dispose();
    return code;
  };

  // A signal during the launch stops it: the engine aborts what it started.
  let interrupted = false;
  void woken.then((why) => {
    if (why === 'signal' && lab === null) {
      interrupted = true;
      stoppingByUs = true;
      void engine
        .request({ type: 'list' })
        .then((l) => l.ok && l.labs.forEach((s) => void engine.request({ type: 'stop', lab: s.lab })));
    }
  });
  io.out(`launching ${up.file} (control socket ${host.control?.path})\n`);
  const launched = await engine.request({
    type: 'launch',
    source: { kind: 'yaml', text: up.text, path: up.file },
    options: up.options,
  });
  if (!launched.ok) {
    if (interrupted) return finish(0);
    const { error } = launched;
    const unshown = error.diagnostics?.filter((d) => !shown.has(d.message)) ?? [];
    if (error.code === 'UNTRUSTED') {
      io.err(`${formatUntrusted(up.file, up.text, error.trust?.items ?? [])}\n`);
    } else if (error.code === 'PREFLIGHT_FAILED') {
      if (unshown.length) io.err(`${formatProblems('preflight', unshown)}\n`);
      const n = error.diagnostics?.length ?? 0;
      io.err(`qnet up: preflight failed (${n} problem${n === 1 ? '' : 's'}); nothing was started\n`);
    } else if (failedShown) io.err('qnet up: the launch failed; what it had set up was undone\n');
    else io.err(`qnet up: the launch failed: ${formatApiError(error, 'lab')}\n`);
    // A failed launch leaves its lab rolled back; stop anything it still holds before leaving.
    const listed = await engine.request({ type: 'list' });
    if (listed.ok)
      await Promise.all(
        listed.labs
          .filter((l) => l.state !== 'stopped' && l.state !== 'failed')
          .map((l) => engine.request({ type: 'stop', lab: l.lab })),
      );
    return finish(1);
  }
  lab = launched.lab;
  labState = launched.status.state;
  for (const vm of launched.status.vms) vms.set(vm.vm, vm.state);
  const first = launched.status.vms[0]?.vm ?? 'VM';
  const dirFlag = stateDirFlag(up.stateDir);
  io.out(
    `lab ${lab} is running: ${launched.status.vms.map((v) => v.vm).join(', ')}\n` +
      `  attach to a console: qnet console ${lab} ${first}${dirFlag}\n` +
      `  stop: Ctrl+C here, or qnet down ${lab}${dirFlag}\n`,
  );
  if (interrupted) return finish(0);
  if (launched.status.vms.length > 0 && launched.status.vms.every((v) => vmEnded(v.state))) wake('ended');

  const why = await woken;
  if (why === 'stopped') {
    // Someone else (qnet down) stops it: wait until they are done.
    const done = await waitForState(engine, lab, ['stopped', 'failed']);
    io.out(`lab ${lab} was stopped from outside\n`);
    return finish(done === 'stopped' ? 0 : 1);
  }
  if (why === 'ended') io.out(`every guest of ${lab} has ended: stopping the lab\n`);
  stoppingByUs = true;
  const stopped = await engine.request({ type: 'stop', lab });
  if (!stopped.ok) {
    io.err(`qnet up: stopping ${lab} failed: ${formatApiError(stopped.error, lab)}\n`);
    return finish(1);
  }
  io.out(`lab ${lab} stopped; host setup undone\n`);
  const crashed =
    why === 'ended' &&
    [...vms.values()].some((s) => s.state === 'crashed' && (s.exit.code !== 0 || s.exit.signal !== null));
  return finish(crashed ? 1 : 0);
}

/** Waits until the lab reaches one of `states` (from events, checked against status first). */
async function waitForState(engine: EngineApi, lab: string, states: readonly string[]): Promise<string> {
  return new Promise((resolveState) => {
    let settled = false;
    const settle = (state: string) => {
      if (settled) return;
      settled = true;
      off();
      resolveState(state);
    };
    const off = engine.subscribe((e) => {
      if (e.type === 'labState' && e.lab === lab && states.includes(e.state)) settle(e.state);
    });
    void engine.request({ type: 'status', lab }).then((s) => {
      if (!s.ok) settle('stopped');
      else if (states.includes(s.status.state)) settle(s.status.state);
    });
  });
}
