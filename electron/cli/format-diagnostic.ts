import type { Diagnostic } from '../../shared/compiler/plan';

/** One diagnostic as terminal lines: `file: error HUB_SPANS_VMS: …` and, when there is one, `  fix: …`. */
export function formatDiagnostic(d: Diagnostic, file: string): string {
  const lines = [`${file}: ${d.severity} ${d.code}: ${d.message}`];
  if (d.fix) lines.push(`  fix: ${d.fix.label}`);
  return lines.join('\n');
}

/** Counts diagnostics by severity. */
export function countSeverities(diagnostics: readonly Diagnostic[]): Record<'error' | 'warning' | 'info', number> {
  const counts = { error: 0, warning: 0, info: 0 };
  for (const d of diagnostics) counts[d.severity] += 1;
  return counts;
}
