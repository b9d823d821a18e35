import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { EngineEvent } from '../../shared/api';
import { engineOf } from '../engine/control-discovery';
import { discover, STATE_DIR_HELP, STATE_DIR_OPTION, attachConsole, findVm, stateDirOf } from './lab-common';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';

const LOGS_USAGE = `usage: qnet logs LAB VM [--follow] [--state-dir DIR]

Prints a guest's serial console output: what the running engine buffered (the last 1 MiB by default), or, when
the lab's engine is gone, the console log file it left (DIR/LAB/NODE.console.log).

options:
  -f, --follow         keep printing new output until the guest or the lab stops (or Ctrl+C)
${STATE_DIR_HELP}
  -h, --help           show this help`;

export interface LogsDeps {
  /** Calls back on SIGINT or SIGTERM (with --follow); returns the function that stops listening. */
  readonly onSignal?: (onSignal: () => void) => () => void;
}

const processSignals = (onSignal: () => void) => {
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
};

/** `qnet logs LAB VM [--follow]`. */
export async function logsCommand(args: string[], io: Io, deps: LogsDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...STATE_DIR_OPTION, follow: { type: 'boolean', short: 'f' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (io.out(`${LOGS_USAGE}\n`), 0);
  if (positionals.length !== 2) throw new UsageError('logs takes LAB and VM', LOGS_USAGE);
  const [lab, vmName] = positionals as [string, string];
  const stateDir = stateDirOf(values, LOGS_USAGE);
  const discovery = await discover(stateDir, io);
  const found = engineOf(discovery, lab);
  discovery.close(found?.engine.client);
  if (!found) return printLogFile(io, stateDir, lab, vmName, values.follow ?? false);
  const client = found.engine.client;
  try {
    const vm = findVm(found.status, vmName).vm;
    if (!values.follow) {
      const r = await client.request({ type: 'consoleRead', lab, vm, fromSeq: 0 });
      if (!r.ok) throw new CliError(`qnet logs: ${r.error.message}`);
      io.out(r.data);
      if (r.truncated)
        io.err(
          `[the engine's buffer starts at byte ${r.seq}; the whole log is ${join(found.status.stateDir, `${found.status.vms.find((v) => v.vm === vm)?.node ?? vm}.console.log`)}]\n`,
        );
      return 0;
    }
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const onEvent = (e: EngineEvent) => {
      if (e.type === 'vmState' && e.vm === vm && (e.state.state === 'crashed' || e.state.state === 'stopped')) finish();
      if (e.type === 'labState' && (e.state === 'stopped' || e.state === 'failed')) finish();
    };
    const attached = await attachConsole(client, lab, vm, 0, io.out, onEvent);
    if (!attached.ok) throw new CliError(`qnet logs: ${attached.message}`);
    const stopSignals = (deps.onSignal ?? processSignals)(finish);
    void client.closed.then(finish);
    await finished;
    stopSignals();
    if (!client.isClosed()) await attached.attachment.detach();
    return 0;
  } finally {
    client.close();
  }
}

function printLogFile(io: Io, stateDir: string, lab: string, vm: string, follow: boolean): number {
  const labDir = join(stateDir, lab);
  let names: string[];
  try {
    names = readdirSync(labDir);
  } catch {
    throw new CliError(`qnet logs: no lab "${lab}" under ${stateDir}`);
  }
  const logs = names.filter((n) => n.endsWith('.console.log')).map((n) => n.slice(0, -'.console.log'.length));
  if (!logs.includes(vm))
    throw new CliError(
      `qnet logs: lab ${lab} has no console log for "${vm}" in ${labDir} (logs: ${logs.join(', ') || 'none'})`,
    );
  io.out(readFileSync(join(labDir, `${vm}.console.log`), 'utf8'));
  io.err(`[${lab} is not running: this is the console log it left${follow ? '; nothing to follow' : ''}]\n`);
  return 0;
}
