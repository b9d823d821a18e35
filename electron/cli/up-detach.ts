/**
 * `qnet up --detach`: the same foreground `qnet up`, started as a detached process of its own session (so the
 * terminal's Ctrl+C and hang-up do not reach it) with its output appended to DIR/LAB/qnet-up.log. The parent waits on the
 * child's control socket (DIR/engine-<child pid>.sock) until the lab runs or fails, or the child exits.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labSlug } from '../../shared/compiler/index';
import { formatModelError, loadTopology } from '../../shared/model';
import { connectControl, type ControlClient } from '../engine/control-client';
import { controlSocketPath } from '../engine/control-socket';
import { ensurePrivateDir } from '../engine/state-dir';
import { pause } from '../engine/unix-socket';
import { stateDirFlag } from './lab-common';
import { CliError } from './usage';
import type { Io } from './usage';

/** How long a detached lab may take to start (TCG boots and many guests are slow). */
const START_DEADLINE_MS = 300_000;

export interface DetachRequest {
  readonly file: string;
  readonly text: string;
  readonly stateDir: string;
  /** The `qnet up` arguments as given; the child gets them without --detach. */
  readonly args: readonly string[];
  /** The program that runs `qnet` (default: this node with this script). */
  readonly self?: readonly string[];
}

/** The last lines of a log written since byte `from`. */
function tail(path: string, from: number, lines = 60): string {
  try {
    return readFileSync(path).subarray(from).toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Starts `qnet up` in the background and waits until its lab runs; prints the lab's name. */
export async function detachUp(req: DetachRequest, io: Io): Promise<number> {
  const loaded = loadTopology(req.text, req.file);
  if (!loaded.ok) throw new CliError(loaded.errors.map((e) => formatModelError(e)).join('\n'));
  const lab = labSlug(loaded.topology.name);
  const base = ensurePrivateDir(req.stateDir);
  if (!base.ok) throw new CliError(`qnet up: ${base.message}`);
  const labDir = ensurePrivateDir(join(base.path, lab), undefined, 'the lab directory');
  if (!labDir.ok) throw new CliError(`qnet up: ${labDir.message}`);
  const logPath = join(labDir.path, 'qnet-up.log');
  // Appended, never truncated: a second `up` of a running lab must not wipe the first one's log. Never through a
  // symlink (the directory is the user's alone, so only the user could have made one).
  let log: number;
  try {
    log = openSync(logPath, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    throw new CliError(`qnet up: cannot open ${logPath}: ${(error as Error).message}`);
  }
  const from = fstatSync(log).size;
  const self = req.self ?? [process.execPath, ...process.execArgv, process.argv[1] ?? ''];
  const childArgs = [...self.slice(1), 'up', ...req.args.filter((a) => a !== '--detach')];
  const child = spawn(self[0]!, childArgs, {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: process.cwd(),
    env: process.env,
  });
  closeSync(log);
  const exited: { is: { code: number | null; signal: string | null } | null } = { is: null };
  child.on('exit', (code, signal) => (exited.is = { code, signal }));
  const spawnError = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', resolve);
  });
  if (spawnError || child.pid === undefined)
    throw new CliError(`qnet up: cannot start the background engine: ${spawnError?.message ?? 'no pid'}`);
  child.unref();
  const pid = child.pid;
  const socket = controlSocketPath(req.stateDir, pid);
  const until = Date.now() + START_DEADLINE_MS;
  const failed = (why: string) => {
    io.err(`qnet up: ${lab} did not start: ${why}\n`);
    const text = tail(logPath, from);
    if (text) io.err(`--- ${logPath} ---\n${text}\n`);
    return 1;
  };

  let client: ControlClient | null = null;
  try {
    while (!client) {
      if (exited.is) return failed(`the engine exited (${describe(exited.is)})`);
      if (Date.now() > until) return failed(`its engine (pid ${pid}) did not open ${socket}`);
      const c = await connectControl(socket);
      if (c.ok) client = c.client;
      else await pause(50);
    }
    for (;;) {
      if (exited.is) return failed(`the engine exited (${describe(exited.is)})`);
      const listed = await client.request({ type: 'list' });
      const status = listed.ok ? listed.labs[0] : undefined;
      if (status?.state === 'running') {
        io.out(`${status.lab}\n`);
        const dir = stateDirFlag(req.stateDir);
        io.err(
          `lab ${status.lab} is running in the background (engine pid ${pid}, log ${logPath})\n` +
            `  attach to a console: qnet console ${status.lab} ${status.vms[0]?.vm ?? 'VM'}${dir}\n` +
            `  stop: qnet down ${status.lab}${dir}\n`,
        );
        return 0;
      }
      if (status?.state === 'failed') {
        // The engine prints why and exits: give it a moment so the log holds the whole story.
        const deadline = Date.now() + 10_000;
        while (!exited.is && Date.now() < deadline) await pause(50);
        return failed(
          status.error?.code === 'PREFLIGHT_FAILED'
            ? 'preflight failed'
            : (status.error?.message ?? 'the launch failed'),
        );
      }
      if (Date.now() > until)
        return failed(
          `still not running after ${START_DEADLINE_MS / 1000} s (engine pid ${pid} keeps trying; "qnet down ${lab}" stops it)`,
        );
      await pause(100);
    }
  } finally {
    client?.close();
  }
}

function describe(exit: { code: number | null; signal: string | null }): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}
