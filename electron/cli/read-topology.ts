import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { formatModelError, loadTopology, yamlLocator } from '../../shared/model';
import type { Topology } from '../../shared/model';
import type { Diagnostic } from '../../shared/compiler/plan';
import { CliError } from './usage';

export interface ReadTopology {
  readonly topology: Topology;
  readonly diagnostics: readonly Diagnostic[];
  /** Where a document path sits in the file (for the compiler's diagnostics). */
  readonly locate: (path: readonly (string | number)[]) => { line: number; column: number } | undefined;
}

/** Reads and loads a topology file; every load error becomes one `file:line: …` line of a CliError. */
export async function readTopology(file: string): Promise<ReadTopology> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((error as Error).message);
    throw new CliError(`qnet: cannot read ${file}: ${why}`);
  }
  const result = loadTopology(text, basename(file));
  if (!result.ok) {
    throw new CliError(result.errors.map((e) => formatModelError({ ...e, file: e.file ?? basename(file) })).join('\n'));
  }
  return { topology: result.topology, diagnostics: result.diagnostics, locate: yamlLocator(text) };
}
