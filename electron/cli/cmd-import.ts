import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { compile } from '../../shared/compiler';
import { importQemu } from '../../shared/import';
import { loadTopology, saveTopology, yamlLocator } from '../../shared/model';
import { MAX_TOPOLOGY_BYTES } from '../../shared/model/limits';
import { readTopologyFile } from '../engine/topology-file';
import { writeExportFile } from './export-dir';
import { countSeverities, formatDiagnostic, placeDiagnostics } from './format-diagnostic';
import { TARGET_HELP, TARGET_OPTIONS, targetFromOptions } from './target-options';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';

const IMPORT_USAGE = `usage: qnet import FILE|- [-o OUT.qnet.yaml] [options]

Reads QEMU command lines or a shell script (FILE, or standard input for -) and writes the topology they draw:
one VM per QEMU command, its NICs and backends, links between the commands (a listener and its connector, one
multicast group, one VDE switch, one bridge…). What the drawing does not model stays in each VM's extra
arguments; what the lab does itself (-S, -daemonize, a stdio console) is left out. Every diagnostic is printed
with the line and column of the input it concerns, then the written topology is validated like qnet validate.
Exit status: 0 without errors, 1 with errors (a partial drawing is still written, and says so).

options:
  -o, --out FILE       write the topology there (default: print it)
  --name NAME          the topology's name (default: FILE's name)
${TARGET_HELP}
  -h, --help           show this help`;

/** Standard input as text, refused past the size a topology file may have. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_TOPOLOGY_BYTES)
      throw new CliError(`qnet: standard input is over ${MAX_TOPOLOGY_BYTES / 1024 / 1024} MiB: not importing it`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `qnet import FILE|- [-o OUT]`: the drawing of QEMU command lines, with diagnostics that name their line. */
export async function importCommand(args: string[], io: Io, stdin: () => Promise<string> = readStdin): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      out: { type: 'string', short: 'o' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return (io.out(`${IMPORT_USAGE}\n`), 0);
  if (positionals.length !== 1)
    throw new UsageError('import takes exactly one FILE (or - for standard input)', IMPORT_USAGE);
  const file = positionals[0]!;
  let text: string;
  if (file === '-') text = await stdin();
  else {
    const read = await readTopologyFile(file);
    if (!read.ok) throw new CliError(`qnet: ${read.why}`);
    text = read.text;
  }
  const input = file === '-' ? '<stdin>' : basename(file);
  const r = importQemu(text, { name: values.name ?? (file === '-' ? 'imported' : basename(file, extname(file))) });
  for (const d of r.diagnostics) io.err(`${formatDiagnostic(d, input, true)}\n`);
  const imported = countSeverities(r.diagnostics);
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  if (!r.topology) {
    io.err(`${input}: nothing imported: ${n(imported.error, 'error')}\n`);
    return 1;
  }
  const yaml = saveTopology(r.topology);
  const output = values.out ?? '<stdout>';
  // What was written is checked as a file: its loader, then the compiler, each problem at its line there.
  const loaded = loadTopology(yaml, basename(output));
  const written = loaded.ok ? loaded.topology : r.topology;
  const plan = compile(
    written,
    await targetFromOptions(values, IMPORT_USAGE, io, written),
    loaded.ok ? { structural: loaded.diagnostics } : {},
  );
  for (const d of placeDiagnostics(plan.diagnostics, yamlLocator(yaml)))
    io.err(`${formatDiagnostic(d, basename(output))}\n`);
  if (values.out) await writeExportFile(values.out, yaml, 0o644);
  else io.out(yaml);
  const checked = countSeverities(plan.diagnostics);
  const vms = r.topology.nodes.filter((x) => x.kind === 'vm').length;
  const summary = `${input} → ${output}: ${n(vms, 'VM')}, ${n(r.topology.nodes.length, 'node')}, ${n(r.topology.links.length, 'link')}; import: ${n(imported.error, 'error')}, ${n(imported.warning, 'warning')}, ${n(imported.info, 'note')}${r.partial ? ' (the drawing is partial)' : ''}; validate: ${n(checked.error, 'error')}, ${n(checked.warning, 'warning')}, ${n(checked.info, 'note')}`;
  io.err(`${summary}\n`);
  return imported.error > 0 || checked.error > 0 ? 1 : 0;
}
