import { CURRENT_VERSION } from './schema';

/**
 * Numbered migrations, run on every load: a file of version N goes through every entry with `to` > N, in order.
 * Entry 1 is the first format; the next format change appends `{ to: 2, up }` and bumps CURRENT_VERSION.
 */

export type RawDoc = Record<string, unknown>;

export type DocPath = readonly (string | number)[];

export interface Migration {
  /** The version this step produces. */
  readonly to: number;
  readonly description: string;
  readonly up: (doc: RawDoc) => RawDoc;
  /** Where a path of the migrated document was in the document before this step (errors point into the file). */
  readonly back?: (path: DocPath) => DocPath;
}

export const MIGRATIONS: readonly Migration[] = [
  { to: 1, description: 'first file format', up: (doc) => doc },
  {
    to: 2,
    description: 'layout holds node positions under `nodes` beside the annotations (notes, shaded areas)',
    up: (doc) => (isMapping(doc.layout) ? { ...doc, layout: { nodes: doc.layout } } : doc),
    back: (path) => (path[0] === 'layout' && path[1] === 'nodes' ? ['layout', ...path.slice(2)] : path),
  },
];

export type MigrateResult =
  | {
      readonly ok: true;
      readonly doc: RawDoc;
      readonly from: number;
      /** Where a path of `doc` sits in the document as read (before the migrations). */
      readonly where: (path: DocPath) => DocPath;
    }
  | { readonly ok: false; readonly code: 'VERSION' | 'MISSING_FIELD' | 'NOT_A_MAPPING'; readonly message: string };

/** True for a plain mapping (what a YAML mapping becomes), not a list, null or scalar. */
export function isMapping(v: unknown): v is RawDoc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Brings a parsed document up to CURRENT_VERSION, or says why it cannot. */
export function migrate(raw: unknown): MigrateResult {
  if (!isMapping(raw)) {
    const what =
      raw === null || raw === undefined
        ? 'the file is empty'
        : Array.isArray(raw)
          ? 'the file is a list'
          : 'the file is a single value';
    return {
      ok: false,
      code: 'NOT_A_MAPPING',
      message: `${what}: a topology is a mapping that starts with "version: ${CURRENT_VERSION}"`,
    };
  }
  if (!('version' in raw) || raw.version === undefined || raw.version === null) {
    return {
      ok: false,
      code: 'MISSING_FIELD',
      message: `field "version" is missing: add "version: ${CURRENT_VERSION}" at the top of the file`,
    };
  }
  const version = raw.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return {
      ok: false,
      code: 'VERSION',
      message: `field "version": must be a whole number like ${CURRENT_VERSION} (got ${JSON.stringify(version) ?? String(version)})`,
    };
  }
  if (version > CURRENT_VERSION) {
    return {
      ok: false,
      code: 'VERSION',
      message: `file version ${version} is newer than this Qnet Studio supports (${CURRENT_VERSION})`,
    };
  }
  let doc: RawDoc = raw;
  for (const m of MIGRATIONS.filter((x) => x.to > version)) doc = { ...m.up(doc), version: m.to };
  return { ok: true, doc, from: version, where: pathsBackTo(version) };
}

/** Where a path of a current document sits in a document of `version` as written (the migrations undone). */
export function pathsBackTo(version: number): (path: DocPath) => DocPath {
  const applied = MIGRATIONS.filter((m) => m.to > version);
  return (path) => applied.reduceRight((p, m) => (m.back ? m.back(p) : p), path);
}
