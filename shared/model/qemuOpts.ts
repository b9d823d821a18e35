/**
 * Reading QEMU options among a VM's extra arguments, as QEMU would: every word that looks like an option is one
 * (so a value that looks like an option is read twice, which only makes the checks stricter), and an option's
 * value is in the same word (`-m=1G`, `-m 1G`, tolerated) or the next one.
 */
import { readOpts } from '../qemuopts';

/** One option word among extra arguments: its index, its name with one dash, and its value when it has one. */
export interface ExtraOption {
  readonly index: number;
  /** `-device` for `-device` and `--device`. */
  readonly name: string;
  /** The value in the same word, else the next word (null at the end). */
  readonly value: string | null;
  /** Whether the value came from the next word. */
  readonly valueIsNext: boolean;
  /** The option as written: one word, or two when its value is the next word. */
  readonly text: string;
}

const OPTION = /^(--?[A-Za-z0-9_-]+)(?:[\s=]+(.*))?$/s;

/** The option of one word, or null when the word is not one (a value, or a bare file name QEMU reads as -hda). */
export function optionWord(word: string): { name: string; inline: string | null } | null {
  const m = OPTION.exec(word.trim());
  if (!m || m[1] === '-' || m[1] === '--') return null;
  return { name: (m[1] ?? '').replace(/^--/, '-'), inline: m[2] ?? null };
}

/** Every option word of `args`, each with its value. */
export function extraOptions(args: readonly string[]): ExtraOption[] {
  const out: ExtraOption[] = [];
  args.forEach((word, index) => {
    const opt = optionWord(word);
    if (!opt) return;
    const next = args[index + 1];
    const value = opt.inline ?? next ?? null;
    const valueIsNext = opt.inline === null && next !== undefined;
    out.push({ index, name: opt.name, value, valueIsNext, text: valueIsNext ? `${word} ${next}` : word });
  });
  return out;
}

/** The properties of a QEMU option value: `a=b,c=d` (`,,` is a comma), or a JSON object (`-device {"driver":…}`). */
export interface OptProps {
  /** The leading word without `=` (a -device's driver, an -object's type, a -chardev's backend), or null. */
  readonly implied: string | null;
  readonly props: ReadonlyMap<string, string>;
}

/** Splits an option value into its properties the way QEMU does (readOpts, or JSON for a value in braces). */
export function optProps(value: string): OptProps {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    try {
      const json = JSON.parse(trimmed) as unknown;
      if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
        const props = new Map<string, string>();
        for (const [k, v] of Object.entries(json)) props.set(k, typeof v === 'string' ? v : JSON.stringify(v));
        return { implied: null, props };
      }
    } catch {
      // Not JSON: QEMU would fail on it too; read it as key=value text.
    }
  }
  let implied: string | null = null;
  const props = new Map<string, string>();
  for (const item of readOpts(value, '\0implied')) {
    if (item.form === 'implied') implied = item.value.trim();
    else props.set(item.key.trim(), item.value);
  }
  return { implied, props };
}

/** The value of the first of `keys` that is set, else the implied leading word. */
export function propOrImplied(p: OptProps, ...keys: string[]): string {
  for (const k of keys) {
    const v = p.props.get(k);
    if (v !== undefined) return v.trim();
  }
  return p.implied ?? '';
}
