import { parseArgs } from 'node:util';
import type { LabStatus } from '../../shared/api';
import { discover, STATE_DIR_HELP, STATE_DIR_OPTION, stateDirOf } from './lab-common';
import { formatLabStatus } from './lab-progress';
import { UsageError } from './usage';
import type { Io } from './usage';

const STATUS_USAGE = `usage: qnet status [--json] [--state-dir DIR]

Lists every lab under the state directory: the ones a running engine holds (through its control socket), with
each guest's and VDE switch's state, and the ones whose engine died and left a journal ("stale": "qnet down LAB" cleans them up).

options:
  --json               print {"stateDir", "labs": [...]}: each lab's status as the engine reports it, plus its
                       engine ({"pid", "socket"}, or null and "state": "stale" for a stale lab)
${STATE_DIR_HELP}
  -h, --help           show this help`;

/** One lab in `qnet status --json`. */
export type StatusEntry =
  | (LabStatus & { readonly engine: { readonly pid: number; readonly socket: string } })
  | {
      readonly lab: string;
      readonly state: 'stale';
      readonly stateDir: string;
      readonly engine: null;
      readonly vms: readonly [];
      readonly fix: string;
    };

/** `qnet status`: exit 0 (also when there are no labs). */
export async function statusCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...STATE_DIR_OPTION, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (io.out(`${STATUS_USAGE}\n`), 0);
  if (positionals.length) throw new UsageError('status takes no arguments', STATUS_USAGE);
  const stateDir = stateDirOf(values, STATUS_USAGE);
  const discovery = await discover(stateDir, io);
  discovery.close();
  const entries: StatusEntry[] = [
    ...discovery.engines.flatMap((e) => e.labs.map((l) => ({ ...l, engine: { pid: e.pid, socket: e.socket } }))),
    ...discovery.stale.map((s) => ({
      lab: s.lab,
      state: 'stale' as const,
      stateDir: s.stateDir,
      engine: null,
      vms: [] as const,
      fix: `qnet down ${s.lab}`,
    })),
  ];
  if (values.json) return (io.out(`${JSON.stringify({ stateDir, labs: entries }, null, 2)}\n`), 0);
  if (entries.length === 0) return (io.out(`no labs under ${stateDir}\n`), 0);
  for (const entry of entries) {
    if (entry.engine === null)
      io.out(`${entry.lab}: stale: the engine is gone; run "qnet down ${entry.lab}" (${entry.stateDir})\n`);
    else io.out(`${formatLabStatus(entry, entry.engine.pid)}\n`);
  }
  return 0;
}
