import { basename } from 'node:path';
import { formatModelError, loadTopology, yamlLocator } from '../../shared/model';
import type { Topology } from '../../shared/model';
import type { Diagnostic } from '../../shared/diagnostics';
import { CliError } from './usage';
import { readTopologyFile } from '../engine/topology-file';

export interface ReadTopology {
  readonly topology: Topology;
  readonly diagnostics: readonly Diagnostic[];
  /** Where a document path sits in the file (for the compiler's diagnostics). */
  readonly locate: (path: readonly (string | number)[]) => { line: number; column: number } | undefined;
}

/** Reads (readTopologyFile: a regular file under the size cap) and loads a topology file; every load error becomes one `file:line: …` line of a CliError. */
export async function readTopology(file: string): Promise<ReadTopology> {
  const read = await readTopologyFile(file);
  if (!read.ok) throw new CliError(`qnet: ${read.why}`);
  const { text } = read;
  const result = loadTopology(text, basename(file));
  if (!result.ok) {
    throw new CliError(result.errors.map((e) => formatModelError({ ...e, file: e.file ?? basename(file) })).join('\n'));
  }
  return { topology: result.topology, diagnostics: result.diagnostics, locate: yamlLocator(text) };
}
