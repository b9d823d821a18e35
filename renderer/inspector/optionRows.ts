import type { RowCodec } from './listFields';

type Scalar = string | number | boolean;
type Options = Readonly<Record<string, Scalar | readonly Scalar[]>>;

function split(text: string): [string, string] {
  const eq = text.indexOf('=');
  return eq < 0 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)];
}

/**
 * A node's verbatim QEMU options as `key=value` rows (a repeated key is one row per value), and the rows back as
 * options: undefined when there are none, so the field leaves the file.
 */
export const OPTION_ROWS: RowCodec = {
  rows: (value) =>
    Object.entries((value as Options | undefined) ?? {}).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((x) => `${k}=${String(x)}`),
    ),
  value: (rows) => {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of rows.map(split)) {
      const prev = out[k];
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    return rows.length > 0 ? out : undefined;
  },
  check: (text) => (text.includes('=') ? null : 'write it as key=value'),
};
