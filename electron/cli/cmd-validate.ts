import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { compile } from '../../shared/compiler';
import { readTopology } from './read-topology';
import { TARGET_HELP, TARGET_OPTIONS, targetFromOptions } from './target-options';
import { countSeverities, formatDiagnostic, placeDiagnostics } from './format-diagnostic';
import { UsageError } from './usage';
import type { Io } from './usage';

const VALIDATE_USAGE = `usage: qnet validate FILE [options]

Loads a *.qnet.yaml topology, checks it and compiles it; prints every problem with its code.
Exit status: 0 when there are no errors, 1 when there are.

options:
${TARGET_HELP}
  -h, --help           show this help`;

/** `qnet validate FILE`: exit 0 with no errors, 1 with errors; diagnostics printed with their codes. */
export async function validateCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...TARGET_OPTIONS, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (io.out(`${VALIDATE_USAGE}\n`), 0);
  if (positionals.length !== 1) throw new UsageError('validate takes exactly one FILE', VALIDATE_USAGE);
  const file = positionals[0]!;
  const { topology, diagnostics: located, locate } = await readTopology(file);
  const plan = compile(topology, await targetFromOptions(values, VALIDATE_USAGE, io, topology), {
    structural: located,
  });
  const name = basename(file);
  for (const d of placeDiagnostics(plan.diagnostics, locate)) io.err(`${formatDiagnostic(d, name)}\n`);
  const counts = countSeverities(plan.diagnostics);
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const summary = `${name}: ${n(topology.nodes.length, 'node')}, ${n(topology.links.length, 'link')}: ${n(counts.error, 'error')}, ${n(counts.warning, 'warning')}, ${n(counts.info, 'note')}; needs privilege ${plan.privilege}`;
  if (counts.error > 0) {
    io.err(`${summary}\n`);
    return 1;
  }
  io.out(`${summary}\n`);
  return 0;
}
