import { Document, isMap, isSeq } from 'yaml';
import type { z } from 'zod';
import { Topology } from './schema';
import { objectShape, resolve } from './schemaWalk';

/**
 * Writes a topology as YAML with a stable key order and without values equal to their defaults, so files stay
 * short and hand-edit diffs stay small. loadTopology(saveTopology(t)) gives t back.
 */

const TOP_ORDER = ['version', 'name', 'description', 'settings', 'nodes', 'links', 'layout'];
const FIRST_KEYS = ['id', 'kind', 'name', 'a', 'b', 'type', 'x', 'y', 'width', 'height'];
/** Always written, even when empty, so a reader sees where nodes and links go. */
const KEEP = new Set(['nodes', 'links']);

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function element(s: z.ZodType): z.ZodType | undefined {
  const r = resolve(s, []);
  const d = r
    ? (r as unknown as { _zod: { def: { type: string; element?: z.ZodType; valueType?: z.ZodType } } })._zod.def
    : undefined;
  return d?.type === 'array' ? d.element : d?.type === 'record' ? d.valueType : undefined;
}

function strip(value: unknown, schema: z.ZodType | undefined, order: readonly string[]): unknown {
  if (Array.isArray(value)) {
    const el = schema ? element(schema) : undefined;
    return value.map((v) => strip(v, el, FIRST_KEYS));
  }
  if (!isRecord(value)) return value;
  const shape = schema ? objectShape(schema, value) : null;
  if (!shape) {
    // A record (layout): keys are the user's, keep their order.
    const el = schema ? element(schema) : undefined;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strip(v, el, FIRST_KEYS)]));
  }
  const keys = Object.keys(value);
  const known = Object.keys(shape);
  const sorted = [
    ...order.filter((k) => keys.includes(k)),
    ...known.filter((k) => keys.includes(k) && !order.includes(k)),
    ...keys.filter((k) => !order.includes(k) && !known.includes(k)),
  ];
  const out: Record<string, unknown> = {};
  for (const k of sorted) {
    const v = value[k];
    if (v === undefined) continue;
    const sub = shape[k];
    if (sub && !KEEP.has(k)) {
      const dflt = sub.safeParse(undefined);
      if (dflt.success && same(dflt.data, v)) continue;
    }
    out[k] = strip(v, sub, FIRST_KEYS);
  }
  return out;
}

/** The topology as `*.qnet.yaml` text. */
export function saveTopology(t: Topology): string {
  const doc = new Document(strip(t, Topology, TOP_ORDER), { aliasDuplicateObjects: false });
  // One line per position and per annotation keeps the layout block compact and its diffs to a line per change.
  const layout = doc.get('layout');
  if (isMap(layout)) {
    const nodes = layout.get('nodes');
    if (isMap(nodes)) for (const pair of nodes.items) if (isMap(pair.value)) pair.value.flow = true;
    const notes = layout.get('annotations');
    if (isSeq(notes)) for (const item of notes.items) if (isMap(item)) item.flow = true;
  }
  return doc.toString({ lineWidth: 0 });
}
