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

/**
 * A host directory of the plan that an exported script finds when it runs (its state directory, a tiny guest's
 * files): where `literal` stands in a word, the script has `"$variable"` followed by `tail`.
 */
export interface Relocation {
  readonly literal: string;
  readonly variable: string;
  readonly tail: string;
}

/** Characters a relocated directory may not sit beside (it would be part of a longer path or name). */
const PATH_CHAR = /[A-Za-z0-9_./-]/;

/** Where relocation `r` matches `word` at `at`: the literal, a whole path component on both sides. */
function matchesAt(word: string, at: number, r: Relocation): boolean {
  if (!word.startsWith(r.literal, at)) return false;
  const before = at === 0 ? '' : word[at - 1]!;
  const after = word[at + r.literal.length] ?? '';
  return !PATH_CHAR.test(before) && (after === '/' || !PATH_CHAR.test(after));
}

/**
 * One bash word that reads back as `word` with each relocated directory replaced by its variable's value (plain
 * shellQuote when none occurs). The longest literal wins where two start at one place.
 */
export function shellWordIn(word: string, relocations: readonly Relocation[]): string {
  if (relocations.length === 0) return shellQuote(word);
  const byLength = [...relocations].sort((a, b) => b.literal.length - a.literal.length);
  const parts: string[] = [];
  let text = '';
  let found = false;
  for (let at = 0; at < word.length;) {
    const r = byLength.find((c) => matchesAt(word, at, c));
    if (r === undefined) {
      text += word[at];
      at++;
      continue;
    }
    found = true;
    if (text !== '') parts.push(shellQuote(text));
    parts.push(`"$${r.variable}"`);
    text = r.tail;
    at += r.literal.length;
  }
  if (!found) return shellQuote(word);
  if (text !== '') parts.push(shellQuote(text));
  return parts.join('');
}

/** shellLine with relocated directories (see shellWordIn); argv[0] stays a plain command word. */
export function shellLineIn(argv: readonly string[], relocations: readonly Relocation[]): string {
  return argv.map((word, i) => (i === 0 ? shellCommandWord(word) : shellWordIn(word, relocations))).join(' ');
}
