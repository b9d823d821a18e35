import { parseArgs } from 'node:util';
import { topologyJsonSchema } from '../../shared/model';
import { UsageError } from './usage';
import type { Io } from './usage';

const SCHEMA_USAGE = `usage: qnet schema

Prints the JSON Schema of *.qnet.yaml files, for editors (e.g. yaml-language-server's
"# yaml-language-server: $schema=…" line).

options:
  -h, --help           show this help`;

/** `qnet schema`: the JSON Schema of the file format. */
export async function schemaCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (io.out(`${SCHEMA_USAGE}\n`), 0);
  if (positionals.length) throw new UsageError('schema takes no arguments', SCHEMA_USAGE);
  io.out(`${JSON.stringify(topologyJsonSchema(), null, 2)}\n`);
  return 0;
}
