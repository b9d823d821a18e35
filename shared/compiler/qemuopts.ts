/**
 * QEMU option strings (`type,key=value,…`). QEMU's option parsers (QemuOpts and keyval alike) read a doubled comma
 * as a literal comma inside a value, so every value goes through one escaping function and nothing else builds
 * these strings by hand.
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

/** `on` or `off` for a boolean option. */
export function onOff(b: boolean): 'on' | 'off' {
  return b ? 'on' : 'off';
}
