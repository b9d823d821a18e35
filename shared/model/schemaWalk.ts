import type { z } from 'zod';

/**
 * Walks a zod schema along a document path, so the loader can list the fields valid at a place ("did you mean")
 * and the saver can tell which values are defaults. Reads zod 4's public `_zod.def`.
 */

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  values?: unknown[];
}

function def(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS = new Set(['optional', 'default', 'nullable', 'prefault', 'readonly', 'nonoptional', 'catch']);

/** The schema under optional/default/nullable wrappers. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 16; i++) {
    const d = def(cur);
    if (WRAPPERS.has(d.type) && d.innerType) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else break;
  }
  return cur;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The union member a value selects: by discriminator when there is one, else the first object member. */
function pickOption(d: Def, value: unknown): z.ZodType | undefined {
  const options = d.options ?? [];
  if (d.discriminator && isRecord(value)) {
    const tag = value[d.discriminator];
    for (const o of options) {
      const field = def(unwrap(o)).shape?.[d.discriminator];
      if (field && (def(unwrap(field)).values ?? []).includes(tag)) return o;
    }
    return undefined;
  }
  return options.find((o) => def(unwrap(o)).type === 'object');
}

/** Resolves unions against the value, so an object schema comes out where the value is a mapping. */
export function resolve(s: z.ZodType, value: unknown): z.ZodType | undefined {
  let cur: z.ZodType | undefined = unwrap(s);
  for (let i = 0; cur && i < 8 && def(cur).type === 'union'; i++) {
    const o = pickOption(def(cur), value);
    cur = o ? unwrap(o) : undefined;
  }
  return cur;
}

/** The field schemas of an object schema (after resolving unions against `value`), else null. */
export function objectShape(s: z.ZodType, value: unknown): Record<string, z.ZodType> | null {
  const r = resolve(s, value);
  if (!r) return null;
  const d = def(r);
  return d.type === 'object' && d.shape ? d.shape : null;
}

/** The schema of a child (`seg`) of a value described by `s`, or undefined. */
function childSchema(s: z.ZodType, value: unknown, seg: string | number): z.ZodType | undefined {
  const r = resolve(s, value);
  if (!r) return undefined;
  const d = def(r);
  if (d.type === 'object') return d.shape?.[String(seg)];
  if (d.type === 'array') return d.element;
  if (d.type === 'record') return d.valueType;
  return undefined;
}

/** The schema at `path` below `root`, following `value` (the document) to resolve unions. */
export function schemaAt(
  root: z.ZodType,
  value: unknown,
  path: readonly (string | number)[],
): { schema: z.ZodType; value: unknown } | undefined {
  let s: z.ZodType | undefined = root;
  let v = value;
  for (const seg of path) {
    if (!s) return undefined;
    s = childSchema(s, v, seg);
    v = isRecord(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[seg] : undefined;
  }
  return s ? { schema: s, value: v } : undefined;
}
