/**
 * Shell text into commands of words, as a POSIX shell would split it without running anything: `\` continuations
 * (also lines holding only `\`), single and double quotes, comments, `;`/`&`/`|`/`&&`/`||` between commands,
 * redirections (`2>&1`, `> log`) and here-documents set aside, an array assignment `NAME=(…)` as a command of its
 * elements. Expansions (`$VAR`, `${VAR}`, `$(…)`, backticks)
 * are kept as text and listed, since nothing here knows their values. Every word keeps where its characters came
 * from, so a diagnostic can name the line and column of any part of it.
 */

/** A word after quote removal. */
export interface Word {
  readonly text: string;
  /** Runs of characters: [index in text, offset in the source] where each contiguous run starts, ascending. */
  readonly runs: readonly (readonly [number, number])[];
  /** Shell expansions in the word, with their index in `text` and their text as written. */
  readonly expansions: readonly { readonly index: number; readonly text: string }[];
  /** The word held no quote: `{…}` JSON and option names are read as written. */
  readonly quoted: boolean;
}

/** One simple command: its words, and what was set aside (redirections). */
export interface ShellCommand {
  readonly words: readonly Word[];
  readonly setAside: readonly { readonly text: string; readonly at: number }[];
  /** Set when the command is the array assignment `NAME=(…)`: its words are the array's elements. */
  readonly array?: string;
}

/** Something the splitter could not read as a shell would (an unterminated quote), at a source offset. */
export interface ShellProblem {
  readonly message: string;
  readonly at: number;
}

/** A word that is one shell array expansion (`"${PAUSED[@]}"`): zero or more words chosen when the script runs. */
export function isArrayExpansion(text: string): boolean {
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*\[[@*]\]\}$/.test(text);
}

/** The source offset of character `index` of a word (its end when `index` is the length). */
export function wordOffset(w: Word, index = 0): number {
  let run = w.runs[0] ?? [0, 0];
  for (const r of w.runs) {
    if (r[0] > index) break;
    run = r;
  }
  return run[1] + (index - run[0]);
}

/** A word being read; it becomes the Word itself (a long script has tens of thousands: no copy of each). */
interface Building {
  text: string;
  runs: [number, number][];
  expansions: { index: number; text: string }[];
  quoted: boolean;
}

/** Shared by every word without an expansion until its first one (most words have none). */
const NO_EXPANSIONS: { index: number; text: string }[] = [];

const NAME_CHAR = /[A-Za-z0-9_]/;
/** A redirection operator, read where it starts (sticky: no copy of the rest of the text). */
const REDIRECT = /&>>|&>|>>|>&|>\||<<<|<<-|<<|<&|<>|>|</y;
const codes = (s: string) => new Set([...s].map((c) => c.charCodeAt(0)));
/** Characters that end a run of plain ones outside quotes (`#` and `{` only matter at a word's start). */
const SPECIAL = codes(' \t\r\n\\\'"$`;&|()<>');
/** Characters that end a run of plain ones inside double quotes. */
const QUOTED_SPECIAL = codes('"\\$`');

/** The end (exclusive) of a bracketed expansion starting at `open`, skipping quoted parts; -1 when unterminated. */
function closing(text: string, open: number, left: string, right: string): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === "'") {
      const j = text.indexOf("'", i + 1);
      if (j < 0) return -1;
      i = j;
    } else if (c === left) depth++;
    else if (c === right && --depth === 0) return i + 1;
  }
  return -1;
}

/** The text of the expansion starting with `$` at `i`, or null when the `$` is a plain character. */
function expansionAt(text: string, i: number): string | null {
  const n = text[i + 1];
  if (n === '{') {
    const end = closing(text, i + 1, '{', '}');
    return text.slice(i, end < 0 ? text.length : end);
  }
  if (n === '(') {
    const end = closing(text, i + 1, '(', ')');
    return text.slice(i, end < 0 ? text.length : end);
  }
  if (n !== undefined && /[A-Za-z_]/.test(n)) {
    let j = i + 1;
    while (j < text.length && NAME_CHAR.test(text[j] ?? '')) j++;
    return text.slice(i, j);
  }
  if (n !== undefined && /[0-9@*#?$!-]/.test(n)) return text.slice(i, i + 2);
  return null;
}

/** The end (exclusive) of `{…}` JSON starting at `i`: braces counted outside JSON strings; -1 when unbalanced. */
function jsonEnd(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '"') {
      for (j++; j < text.length && text[j] !== '"'; j++) if (text[j] === '\\') j++;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (--depth === 0) return j + 1;
    } else if (c === '\n') return -1;
  }
  return -1;
}

/** `NAME=` written plainly right before `(` at `at` (`next` is where the word's last character ended). */
function arrayStart(w: Building, next: number, at: number): boolean {
  return !w.quoted && next === at && w.expansions.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*=$/.test(w.text);
}

/** Split shell text into simple commands. Never throws; what it cannot read is a problem with its offset. */
export function splitShell(text: string): { commands: ShellCommand[]; problems: ShellProblem[] } {
  const commands: ShellCommand[] = [];
  const problems: ShellProblem[] = [];
  let words: Word[] = [];
  let setAside: { text: string; at: number }[] = [];
  let cur: Building | null = null;
  // The source offset right after the current word's last character: a jump means a new run.
  let next = -1;
  let redirect: { text: string; at: number } | null = null;
  // The name of the array whose elements are being read (`NAME=(` seen, its `)` not yet).
  let array: string | null = null;
  const heredocs: { delim: string; strip: boolean }[] = [];

  const start = (at: number): Building => {
    if (cur === null) {
      cur = { text: '', runs: [[0, at]], expansions: NO_EXPANSIONS, quoted: false };
      next = -1;
    }
    return cur;
  };
  const put = (s: string, at: number) => {
    const w = start(at);
    if (w.text.length === 0) {
      if (w.runs[0]![1] !== at) w.runs[0] = [0, at];
    } else if (next !== at) w.runs.push([w.text.length, at]);
    w.text += s;
    next = at + s.length;
  };
  const endWord = () => {
    const word: Word | null = cur;
    cur = null;
    if (!word) return;
    const w = word;
    if (redirect) {
      setAside.push({ text: `${redirect.text}${w.text}`, at: redirect.at });
      if (redirect.text.startsWith('<<') && !redirect.text.startsWith('<<<'))
        heredocs.push({ delim: w.text, strip: redirect.text === '<<-' });
      redirect = null;
    } else words.push(word);
  };
  const endCommand = () => {
    endWord();
    if (redirect) {
      setAside.push(redirect);
      redirect = null;
    }
    if (array !== null) commands.push({ words, setAside, array });
    else if (words.length > 0 || setAside.length > 0) commands.push({ words, setAside });
    words = [];
    setAside = [];
    array = null;
  };
  const expansion = (at: number, raw: string) => {
    const w = start(at);
    if (w.expansions === NO_EXPANSIONS) w.expansions = [];
    w.expansions.push({ index: w.text.length, text: raw });
    put(raw, at);
  };

  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\\') {
      const n = text[i + 1];
      if (n === '\n') i += 2;
      else if (n === '\r' && text[i + 2] === '\n') i += 3;
      else if (n === undefined) i++;
      else {
        put(n, i + 1);
        i += 2;
      }
    } else if (c === "'") {
      start(i).quoted = true;
      let j = text.indexOf("'", i + 1);
      if (j < 0) {
        problems.push({ message: 'this single quote is never closed', at: i });
        j = text.length;
      }
      if (j > i + 1) put(text.slice(i + 1, j), i + 1);
      i = j + 1;
    } else if (c === '"') {
      start(i).quoted = true;
      const open = i;
      i++;
      for (;;) {
        const d = text[i];
        if (d === undefined) {
          problems.push({ message: 'this double quote is never closed', at: open });
          break;
        }
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && text[i + 1] !== undefined && '$`"\\\n'.includes(text[i + 1] as string)) {
          if (text[i + 1] !== '\n') put(text[i + 1] as string, i + 1);
          i += 2;
        } else if (d === '$' && expansionAt(text, i) !== null) {
          const raw = expansionAt(text, i) as string;
          expansion(i, raw);
          i += raw.length;
        } else if (d === '`') {
          const end = text.indexOf('`', i + 1);
          const raw = text.slice(i, end < 0 ? text.length : end + 1);
          expansion(i, raw);
          i += raw.length;
        } else {
          let j = i + 1;
          while (j < text.length && !QUOTED_SPECIAL.has(text.charCodeAt(j))) j++;
          put(text.slice(i, j), i);
          i = j;
        }
      }
    } else if (c === '$' && expansionAt(text, i) !== null) {
      const raw = expansionAt(text, i) as string;
      expansion(i, raw);
      i += raw.length;
    } else if (c === '`') {
      const end = text.indexOf('`', i + 1);
      const raw = text.slice(i, end < 0 ? text.length : end + 1);
      expansion(i, raw);
      i += raw.length;
    } else if (c === '#' && cur === null) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      i++;
    } else if (c === '\n' && array !== null) {
      endWord();
      i++;
    } else if (c === '\n') {
      endCommand();
      i++;
      // Here-document bodies are data, not commands.
      if (heredocs.length > 0)
        for (const h of heredocs.splice(0)) {
          while (i < text.length) {
            const eol = text.indexOf('\n', i);
            const line = text.slice(i, eol < 0 ? text.length : eol).replace(/\r$/, '');
            i = eol < 0 ? text.length : eol + 1;
            if ((h.strip ? line.replace(/^\t+/, '') : line) === h.delim) break;
          }
        }
    } else if (c === '>' || c === '<' || (c === '&' && text[i + 1] === '>')) {
      // A word of digits right before is the redirected descriptor (2>&1).
      if (cur !== null && /^[0-9]+$/.test((cur as Building).text) && !(cur as Building).quoted && next === i) {
        const fd = cur as Building;
        cur = null;
        redirect = { text: fd.text, at: fd.runs[0]?.[1] ?? i };
      } else {
        endWord();
        redirect = { text: '', at: i };
      }
      REDIRECT.lastIndex = i;
      const op = REDIRECT.exec(text)?.[0] ?? c;
      redirect = { text: redirect.text + op, at: redirect.at };
      i += op.length;
    } else if (c === '(' && cur !== null && arrayStart(cur, next, i)) {
      const name = (cur as Building).text.slice(0, -1);
      cur = null;
      endCommand();
      array = name;
      i++;
    } else if (c === ')' && array !== null) {
      endCommand();
      i++;
    } else if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
      const two = text.slice(i, i + 2);
      endCommand();
      i += two === '&&' || two === '||' || two === '|&' || two === ';;' ? 2 : 1;
    } else if (c === '{' && cur === null && text[i + 1] === '"') {
      // Unquoted JSON (as `ps` shows libvirt's argv) is what the user means: keep its quotes.
      const end = jsonEnd(text, i);
      const stop = end < 0 ? i + 1 : end;
      put(text.slice(i, stop), i);
      i = stop;
    } else {
      // A run of plain characters goes in at once (a script can be megabytes).
      let j = i + 1;
      while (j < text.length && !SPECIAL.has(text.charCodeAt(j))) j++;
      put(text.slice(i, j), i);
      i = j;
    }
  }
  endCommand();
  return { commands, problems };
}
