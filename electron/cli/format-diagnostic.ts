import type { Diagnostic } from '../../shared/diagnostics';

/** A diagnostic with the line (and column) of the YAML it concerns, when its path is in the file. */
export type PlacedDiagnostic = Diagnostic & { readonly line?: number; readonly column?: number };

/** The plan's diagnostics with their positions in the file: each at its `path`, when it has one. */
export function placeDiagnostics(
  diagnostics: readonly Diagnostic[],
  locate: (path: readonly (string | number)[]) => { line: number; column: number } | undefined,
): PlacedDiagnostic[] {
  return diagnostics.map((d) => {
    const at = d.path?.length ? locate(d.path) : undefined;
    if (at?.line === undefined) return d;
    return { ...d, line: at.line, ...(at.column !== undefined ? { column: at.column } : {}) };
  });
}

/**
 * One diagnostic as terminal lines: `file[:line[:column]]: error HUB_SPANS_VMS: …`, then `  fix: …` and `  or:  …`
 * (the column with `withColumn`: an imported command line is one long line).
 */
export function formatDiagnostic(d: PlacedDiagnostic, file: string, withColumn = false): string {
  const where =
    d.line === undefined
      ? file
      : withColumn && d.column !== undefined
        ? `${file}:${d.line}:${d.column}`
        : `${file}:${d.line}`;
  const lines = [`${where}: ${d.severity} ${d.code}: ${d.message}`];
  if (d.fix) lines.push(`  fix: ${d.fix.label}`);
  for (const alt of d.alternatives ?? []) lines.push(`  or:  ${alt.label}`);
  return lines.join('\n');
}

/** Counts diagnostics by severity. */
export function countSeverities(diagnostics: readonly Diagnostic[]): Record<'error' | 'warning' | 'info', number> {
  const counts = { error: 0, warning: 0, info: 0 };
  for (const d of diagnostics) counts[d.severity] += 1;
  return counts;
}
