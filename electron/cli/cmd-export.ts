import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { compile } from '../../shared/compiler';
import { emitScripts } from '../../shared/emit/scripts';
import { readTopology } from './read-topology';
import { prepareExportDir, writeExportFile } from './export-dir';
import { TARGET_HELP, TARGET_OPTIONS, targetFromOptions } from './target-options';
import { countSeverities, formatDiagnostic, placeDiagnostics } from './format-diagnostic';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';

const EXPORT_USAGE = `usage: qnet export FILE -o DIR [options]

Writes scripts that run the lab without Qnet Studio: DIR/up.sh (checks binaries, sets up the host, starts
switches and guests in the background; --paused starts guests stopped), DIR/down.sh (stops everything and undoes
the host setup, also after a partial up.sh), DIR/plan.json and DIR/README.txt. Refuses a topology with errors.

options:
  -o, --out DIR        directory to write (created if missing)
${TARGET_HELP}
  -h, --help           show this help`;

/** `qnet export FILE -o DIR`. */
export async function exportCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...TARGET_OPTIONS, out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (io.out(`${EXPORT_USAGE}\n`), 0);
  if (positionals.length !== 1) throw new UsageError('export takes exactly one FILE', EXPORT_USAGE);
  if (!values.out) throw new UsageError('export needs -o DIR', EXPORT_USAGE);
  const file = positionals[0]!;
  const { topology, diagnostics: located, locate } = await readTopology(file);
  const plan = compile(topology, await targetFromOptions(values, EXPORT_USAGE, io, topology), { structural: located });
  for (const d of placeDiagnostics(plan.diagnostics, locate)) io.err(`${formatDiagnostic(d, basename(file))}\n`);
  if (countSeverities(plan.diagnostics).error > 0) {
    throw new CliError(`qnet: not exporting ${basename(file)}: fix the errors above first`);
  }
  const emitted = emitScripts(plan);
  if (!emitted.ok) {
    throw new CliError(
      `qnet: cannot export ${basename(file)}:\n${emitted.errors.map((e) => `  ${e.code}: ${e.message}`).join('\n')}`,
    );
  }
  const dir = await prepareExportDir(values.out);
  for (const f of emitted.files) await writeExportFile(join(dir, f.path), f.content, f.mode);
  io.out(`wrote ${dir}/up.sh and ${dir}/down.sh (lab ${plan.lab}, needs privilege ${plan.privilege})\n`);
  return 0;
}
