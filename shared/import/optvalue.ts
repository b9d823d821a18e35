/**
 * The value of a QEMU option as key/value items, whichever way it was written: QemuOpts text (`user,id=n1,…`,
 * through the compiler's reader) or libvirt's JSON (`{"type":"user","id":"n1"}`), whose values are strings,
 * booleans or numbers and whose nested objects (`"addr":{"type":"unix",…}`) become dotted keys as keyval writes
 * them, and whose lists of `{"str":…}` become a repeated key.
 */
import { readOpts } from '../qemuopts';

/** One key and value of an option; `at` is the index in the option's text where it was written. */
export interface Item {
  readonly key: string;
  readonly value: string;
  readonly at: number;
  /** A bare word read as a short-form boolean (`server`, `nowait`). */
  readonly flag?: boolean;
}

/** An option value read into items, or why it could not be. */
export type ReadValue =
  | { readonly ok: true; readonly items: Item[]; readonly json: boolean }
  | { readonly ok: false; readonly message: string; readonly at: number };

function scalar(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'number') return String(v);
  return null;
}

function flatten(key: string, v: unknown, at: number, out: Item[]): string | null {
  const s = scalar(v);
  if (s !== null) {
    out.push({ key, value: s, at });
    return null;
  }
  if (v === null) return null;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      // QAPI's String wrapper: [{"str": "…"}] is the repeated key of QemuOpts.
      if (typeof x === 'object' && x !== null && !Array.isArray(x) && Object.keys(x).length === 1 && 'str' in x) {
        const why = flatten(key, (x as { str: unknown }).str, at, out);
        if (why) return why;
      } else if (scalar(x) !== null) out.push({ key, value: scalar(x) as string, at });
      else {
        const why = flatten(`${key}.${i}`, x, at, out);
        if (why) return why;
      }
    }
    return null;
  }
  if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const why = flatten(`${key}.${k}`, x, at, out);
      if (why) return why;
    }
    return null;
  }
  return `the value of ${key} cannot be read`;
}

/** The position V8 reports in a JSON.parse message, when it gives one. */
function jsonErrorAt(message: string): number | null {
  const m = /position (\d+)/.exec(message);
  return m ? Number(m[1]) : null;
}

/** Read an option value; `implied` is the key of a first word without `=` (`type` for -netdev, `driver` for -device). */
export function readValue(text: string, implied?: string): ReadValue {
  if (text.trimStart().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return {
        ok: false,
        message: `this JSON does not parse (${message.replace(/^JSON\.parse: /, '')})`,
        at: jsonErrorAt(message) ?? 0,
      };
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      return { ok: false, message: 'JSON options must be one object', at: 0 };
    const items: Item[] = [];
    for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
      const at = Math.max(0, text.indexOf(`"${k}"`));
      const why = flatten(k, v, at, items);
      if (why) return { ok: false, message: why, at };
    }
    return { ok: true, items, json: true };
  }
  const items: Item[] = readOpts(text, implied).map((o) => ({
    key: o.key,
    value: o.value,
    at: o.at,
    ...(o.form === 'flag' ? { flag: true } : {}),
  }));
  return { ok: true, items, json: false };
}

/** The first value of `key`, or undefined. */
export function first(items: readonly Item[], key: string): string | undefined {
  return items.find((i) => i.key === key)?.value;
}

/** The items without the given keys. */
export function without(items: readonly Item[], ...keys: string[]): Item[] {
  return items.filter((i) => !keys.includes(i.key));
}

/** A boolean as QEMU reads it (on/yes/true/y, off/no/false/n), or null when it is none. */
export function bool(value: string | undefined): boolean | null {
  if (value === undefined) return null;
  const v = value.toLowerCase();
  if (v === 'on' || v === 'yes' || v === 'true' || v === 'y') return true;
  if (v === 'off' || v === 'no' || v === 'false' || v === 'n') return false;
  return null;
}
