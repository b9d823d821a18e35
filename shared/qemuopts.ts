/**
 * QEMU option strings (`type,key=value,…`): the one writer and the one reader. QEMU's option parsers (QemuOpts and
 * keyval alike) read a doubled comma as a literal comma inside a value, so every value goes through one escaping
 * function and nothing else builds these strings by hand; reading follows QemuOpts' own rules (util/qemu-option.c).
 */

/** A key and its value; an undefined value leaves the key out. */
export type OptPair = readonly [key: string, value: string | number | undefined];

/** Escape a value for a QEMU option string: a literal comma is written twice. */
export function escapeOptValue(value: string): string {
  return value.includes(',') ? value.replaceAll(',', ',,') : value;
}

/** `head,k1=v1,k2=v2`, with values escaped and undefined values skipped; `head` is written as given. */
export function qopts(head: string, pairs: readonly OptPair[]): string {
  let out = head;
  for (const [key, value] of pairs) {
    if (value === undefined) continue;
    const v = escapeOptValue(String(value));
    out = out === '' ? `${key}=${v}` : `${out},${key}=${v}`;
  }
  return out;
}

/** One item of an option string as QEMU reads it. */
export interface OptItem {
  readonly key: string;
  /** The value with `,,` read as a comma. */
  readonly value: string;
  /** Offset in the option string where the item starts. */
  readonly at: number;
  /**
   * `pair`: written `key=value`. `implied`: a first word without `=`, the value of the implied key (`user` of
   * `-netdev user,…` is `type=user`). `flag`: a later word without `=`, QemuOpts' deprecated short-form boolean
   * (`server` is `server=on`, `nowait` is `wait=off`); keyval parsers refuse it.
   */
  readonly form: 'pair' | 'implied' | 'flag';
}

/** A value from `from` up to the first single comma (a doubled one is a literal comma), and where it stops. */
function readValue(s: string, from: number): { value: string; end: number } {
  let value = '';
  let p = from;
  for (;;) {
    const comma = s.indexOf(',', p);
    if (comma < 0) return { value: value + s.slice(p), end: s.length };
    if (s[comma + 1] !== ',') return { value: value + s.slice(p, comma), end: comma };
    value += s.slice(p, comma + 1);
    p = comma + 2;
  }
}

/**
 * Read an option string as QemuOpts does: items split on single commas, `,,` a literal comma in a value, a first
 * word without `=` the value of `implied` (when given), later words without `=` short-form booleans.
 */
export function readOpts(s: string, implied?: string): OptItem[] {
  const out: OptItem[] = [];
  let p = 0;
  let first = true;
  while (p < s.length) {
    const at = p;
    let stop = p;
    while (stop < s.length && s[stop] !== '=' && s[stop] !== ',') stop++;
    if (s[stop] !== '=') {
      if (first && implied !== undefined) {
        const v = readValue(s, p);
        out.push({ key: implied, value: v.value, at, form: 'implied' });
        p = v.end;
      } else {
        const word = s.slice(p, stop);
        const no = word.startsWith('no');
        out.push({ key: no ? word.slice(2) : word, value: no ? 'off' : 'on', at, form: 'flag' });
        p = stop;
      }
    } else {
      const v = readValue(s, stop + 1);
      out.push({ key: s.slice(p, stop), value: v.value, at, form: 'pair' });
      p = v.end;
    }
    if (s[p] === ',') p++;
    first = false;
  }
  return out;
}

/**
 * The value of the first item written `key=value` in an option string, or undefined. Fast when no comma is doubled
 * (no split, no arrays): the compiler's self-check calls it for every netdev of a lab.
 */
export function optValue(s: string, key: string): string | undefined {
  if (s.includes(',,')) return readOpts(s).find((item) => item.form === 'pair' && item.key === key)?.value;
  const k = `${key}=`;
  let start: number;
  if (s.startsWith(k)) start = k.length;
  else {
    const at = s.indexOf(`,${k}`);
    if (at < 0) return undefined;
    start = at + 1 + k.length;
  }
  const end = s.indexOf(',', start);
  return end < 0 ? s.slice(start) : s.slice(start, end);
}

/** The value of the implied first key (`-netdev TYPE,…`, `-device DRIVER,…`), or of `implied=` written out. */
export function optHead(s: string, implied: string): string | undefined {
  if (s.includes(',,')) return readOpts(s, implied).find((item) => item.key === implied && item.form !== 'flag')?.value;
  if (s === '') return undefined;
  const comma = s.indexOf(',');
  const first = comma < 0 ? s : s.slice(0, comma);
  return first.includes('=') ? optValue(s, implied) : first;
}
