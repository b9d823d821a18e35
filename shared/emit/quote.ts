/**
 * The one place where a string becomes shell text (STYLE.md rule 10). Every word of an exported script that comes
 * from a LabPlan goes through shellQuote; the property test proves bash reads it back unchanged.
 */

/** Characters that never mean anything to bash, so a word made only of them may stay bare. */
const BARE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (code-unit regex). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** One bash word that bash reads back as exactly `word` (single-quote style; '' for the empty string). */
export function shellQuote(word: string): string {
  if (BARE_WORD.test(word)) return word;
  // Inside '…' nothing is special except ' itself, which cannot be escaped there: close, add \', reopen.
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Bash reserved words: bare, they would be syntax, not a command name. */
const RESERVED = new Set([
  'case',
  'coproc',
  'do',
  'done',
  'elif',
  'else',
  'esac',
  'fi',
  'for',
  'function',
  'if',
  'in',
  'select',
  'then',
  'time',
  'until',
  'while',
]);

/** A command line: each argv element quoted by shellQuote, joined by single spaces; argv[0] is a command name. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((word, i) => (i === 0 ? shellCommandWord(word) : shellQuote(word))).join(' ');
}

/** A word in command position: also quoted when bare it would be a reserved word or an assignment (`a=b`). */
function shellCommandWord(word: string): string {
  const quoted = shellQuote(word);
  // A bare word holds no ', so plain '…' is exact here.
  return quoted === word && (RESERVED.has(word) || word.includes('=')) ? `'${word}'` : quoted;
}

/**
 * Why `word` cannot be one element of a process's argv (null when it can): argv strings end at NUL, and a lone
 * UTF-16 surrogate has no UTF-8 bytes, so no quoting can carry either to a process unchanged.
 */
export function argvWordProblem(word: string): string | null {
  if (word.includes('\0')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(word)) return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  return null;
}
