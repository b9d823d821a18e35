import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { engineOf, type LiveEngine } from '../engine/control-discovery';
import { recoverLab, type RecoveryReport } from '../engine/recovery';
import { discover, STATE_DIR_HELP, STATE_DIR_OPTION, stateDirOf } from './lab-common';
import { formatApiError, printEvent } from './lab-progress';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';

const DOWN_USAGE = `usage: qnet down [LAB] [--state-dir DIR]

Stops a lab: asks the engine running it (through its control socket) to stop the guests and undo the host setup.
When that engine is gone (killed, crashed), cleans up from the lab's journal instead: stops the processes it
recorded, undoes its host steps newest first, removes its sockets. Without LAB, stops the only lab there is.
Exit status: 0 when the lab is stopped and everything undone, 1 when something could not be.

options:
${STATE_DIR_HELP}
  -h, --help           show this help`;

/** How long to wait for a `qnet up` engine to exit after its lab stopped. */
const ENGINE_EXIT_MS = 10_000;

export interface DownDeps {
  readonly recover?: (stateDir: string) => Promise<RecoveryReport>;
}

/** `qnet down [LAB]`. */
export async function downCommand(args: string[], io: Io, deps: DownDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...STATE_DIR_OPTION, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (io.out(`${DOWN_USAGE}\n`), 0);
  if (positionals.length > 1) throw new UsageError('down takes at most one LAB', DOWN_USAGE);
  const stateDir = stateDirOf(values, DOWN_USAGE);
  const discovery = await discover(stateDir, io, { removeDeadSockets: true });
  try {
    let lab = positionals[0];
    if (lab === undefined) {
      const all = [
        ...discovery.engines.flatMap((e) => e.labs.filter((l) => l.state !== 'stopped').map((l) => l.lab)),
        ...discovery.stale.map((s) => s.lab),
      ];
      if (all.length === 0) return (io.out(`no labs under ${stateDir}: nothing to stop\n`), 0);
      if (all.length > 1)
        throw new UsageError(`there are ${all.length} labs (${all.join(', ')}): name the one to stop`, DOWN_USAGE);
      lab = all[0]!;
    }
    const live = engineOf(discovery, lab);
    if (live) return await stopThroughEngine(io, live.engine, lab);
    const labDir = join(stateDir, lab);
    if (!existsSync(labDir)) {
      throw new CliError(`qnet down: no lab "${lab}" under ${stateDir}`);
    }
    return await recoverStale(io, lab, labDir, deps.recover ?? ((dir) => recoverLab(dir)));
  } finally {
    discovery.close();
  }
}

async function stopThroughEngine(io: Io, engine: LiveEngine, lab: string): Promise<number> {
  const { client } = engine;
  io.out(`stopping ${lab} (engine pid ${engine.pid})\n`);
  const unsubscribe = client.subscribe((event) => {
    if ('lab' in event && event.lab !== lab) return;
    if (event.type === 'step' || event.type === 'vmState' || (event.type === 'log' && event.level === 'error'))
      printEvent(io, event);
  });
  const r = await client.request({ type: 'stop', lab });
  unsubscribe();
  if (!r.ok && r.error.code !== 'NOT_RUNNING') {
    io.err(`qnet down: ${formatApiError(r.error, lab)}\n`);
    return 1;
  }
  // `qnet up` ends once its lab is stopped: wait for it, so nothing is left when we return.
  if ((await client.hello)?.exitsAfterStop && engine.labs.every((l) => l.lab === lab)) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([client.closed, new Promise((resolve) => (timer = setTimeout(resolve, ENGINE_EXIT_MS)))]);
    clearTimeout(timer);
  }
  io.out(r.ok ? `stopped ${lab}\n` : `${lab} was not running\n`);
  return 0;
}

async function recoverStale(
  io: Io,
  lab: string,
  labDir: string,
  recover: (stateDir: string) => Promise<RecoveryReport>,
): Promise<number> {
  io.out(`the engine of ${lab} is gone: cleaning up from its journal (${labDir})\n`);
  const report = await recover(labDir);
  if (!report.hadJournal) {
    io.out(`${lab} has no journal: nothing to stop\n`);
    return 0;
  }
  for (const k of report.killed) io.out(`stopped ${k.proc} (pid ${k.pid})\n`);
  for (const u of report.undone) io.out(`undone: ${u}\n`);
  for (const u of report.unfinished) io.err(`qnet down: warning: ${u}\n`);
  if (report.removedFiles.length)
    io.out(`removed ${report.removedFiles.length} runtime file${report.removedFiles.length === 1 ? '' : 's'}\n`);
  for (const f of report.failures) io.err(`qnet down: ${f}\n`);
  if (!report.ok) return 1;
  io.out(`stopped ${lab}\n`);
  return 0;
}
