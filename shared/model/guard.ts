/** Deeper nesting than this is refused before parsing: no lab needs it, and the YAML parser can run out of memory. */
export const MAX_NESTING = 256;

/**
 * A cheap upper bound on a YAML text's nesting: open flow brackets, compact sequence dashes on one line (`- - -`),
 * and indentation columns. Over-counts brackets inside quoted strings, which only matters past MAX_NESTING.
 */
export function nestingBound(text: string): number {
  let flow = 0;
  let maxFlow = 0;
  let maxDashes = 0;
  let lineStart = true;
  let dashes = 0;
  let indent = 0;
  let maxIndent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      dashes = 0;
      indent = 0;
      continue;
    }
    if (c === 91 || c === 123) {
      flow++;
      if (flow > maxFlow) maxFlow = flow;
    } else if ((c === 93 || c === 125) && flow > 0) flow--;
    if (!lineStart) continue;
    if (c === 32 || c === 9) {
      indent++;
      if (indent > maxIndent) maxIndent = indent;
    } else if (c === 45 /* - */ && (text.charCodeAt(i + 1) === 32 || text.charCodeAt(i + 1) === 9)) {
      dashes++;
      if (dashes > maxDashes) maxDashes = dashes;
    } else lineStart = false;
  }
  // Indentation grows by at least one column per level.
  return Math.max(maxFlow, maxDashes, Math.floor(maxIndent / 4));
}
