import { isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { z } from 'zod';
import type { Diagnostic } from '../diagnostics';
import { dottedPath, formatModelError, type ModelError } from './errors';
import { issueErrors, describeValue, type IssueContext, type LocatedIssue } from './issues';
import { isMapping, migrate, pathsBackTo, type DocPath } from './migrations';
import { CURRENT_VERSION, NODE_KINDS, NODE_SCHEMAS, Topology, type NodeKind, type TopologyNode } from './schema';
import { didYouMean } from './suggest';
import { checkStructure } from './validate';
import { MAX_NESTING, nestingBound } from './guard';
import { locate } from './yamlpos';
import { fastYaml, SLOW } from './yamlfast';
import { MAX_LINKS, MAX_NODES, MAX_TOPOLOGY_BYTES } from './limits';

export { formatModelError, type ModelError } from './errors';

/** A structural diagnostic with where it sits in the file. */
export type LocatedDiagnostic = Diagnostic & {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
};

export type LoadResult =
  | { readonly ok: true; readonly topology: Topology; readonly diagnostics: LocatedDiagnostic[] }
  | { readonly ok: false; readonly errors: ModelError[] };

/** Bigger texts are refused before parsing (a 1,000-node lab is well under 1 MiB). */
const MAX_TEXT = MAX_TOPOLOGY_BYTES;
const MAX_ALIASES = 100;

/** The document with `nodes` left open, so each node is checked apart with its own kind's schema. */
const Envelope = Topology.extend({ nodes: z.array(z.unknown()).default([]) });

/** Where values sit in the text: the `yaml` tree, built on first use when the fast road read the values. */
interface Ctx {
  readonly doc: Document;
  readonly lc: LineCounter;
  readonly file?: string;
  /** Where a path of the migrated document sits in the text as written (an older version's shape). */
  readonly where?: (path: DocPath) => DocPath;
}

function lazyCtx(text: string, file: string | undefined): Ctx {
  let tree: { doc: Document; lc: LineCounter } | undefined;
  const parsed = () => {
    if (!tree) {
      const lc = new LineCounter();
      tree = { doc: parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true }), lc };
    }
    return tree;
  };
  return {
    get doc() {
      return parsed().doc;
    },
    get lc() {
      return parsed().lc;
    },
    ...(file !== undefined ? { file } : {}),
  };
}

/** The context with paths mapped back to the file's own version (its tree stays built lazily). */
function withWhere(ctx: Ctx, where: (path: DocPath) => DocPath): Ctx {
  return {
    get doc() {
      return ctx.doc;
    },
    get lc() {
      return ctx.lc;
    },
    ...(ctx.file !== undefined ? { file: ctx.file } : {}),
    where,
  };
}

function place(ctx: Ctx, issue: LocatedIssue): ModelError {
  const pos = locate(ctx.doc, ctx.lc, ctx.where ? ctx.where(issue.path) : issue.path, issue.atKey);
  return {
    ...issue.error,
    ...(ctx.file !== undefined ? { file: ctx.file } : {}),
    ...(pos ? { line: pos.line, column: pos.column } : {}),
  };
}

function nodeLabel(raw: unknown, i: number): { label: string; node: string } {
  const id = isMapping(raw) && typeof raw.id === 'string' && raw.id !== '' ? raw.id : undefined;
  const kind = isMapping(raw) && typeof raw.kind === 'string' && raw.kind.length <= 32 ? raw.kind : undefined;
  const who =
    id !== undefined ? `node ${JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id)}` : `node nodes[${i}]`;
  return { label: kind ? `${who} (${kind})` : who, node: id ?? `nodes[${i}]` };
}

function checkNode(
  ctx: Ctx,
  root: Record<string, unknown>,
  raw: unknown,
  i: number,
  out: ModelError[],
  nodes: TopologyNode[],
): void {
  const { label, node } = nodeLabel(raw, i);
  const base = ['nodes', i];
  const err = (code: string, message: string, path: (string | number)[], atKey = false) =>
    out.push(
      place(ctx, { error: { code, message: `${label}: ${message}`, node, field: dottedPath(path) }, path, atKey }),
    );
  if (!isMapping(raw)) {
    err('NOT_A_MAPPING', `must be a mapping with "id" and "kind" (got ${describeValue(raw)})`, base);
    return;
  }
  const kinds = NODE_KINDS.join(', ');
  if (raw.kind === undefined || raw.kind === null) {
    err('MISSING_FIELD', `field "kind" is missing: one of ${kinds}`, [...base, 'kind']);
    return;
  }
  if (typeof raw.kind !== 'string' || !Object.hasOwn(NODE_SCHEMAS, raw.kind)) {
    const hint = typeof raw.kind === 'string' ? didYouMean(raw.kind, NODE_KINDS) : undefined;
    const mean = hint ? ` (did you mean "${hint}"?)` : '';
    const shown = typeof raw.kind === 'string' ? JSON.stringify(raw.kind.slice(0, 40)) : describeValue(raw.kind);
    err('UNKNOWN_KIND', `field "kind": unknown kind ${shown}${mean}; valid kinds are ${kinds}`, [...base, 'kind']);
    return;
  }
  const schema = NODE_SCHEMAS[raw.kind as NodeKind] as z.ZodType;
  const r = schema.safeParse(raw);
  if (r.success) {
    nodes.push(r.data as TopologyNode);
    return;
  }
  const ictx: IssueContext = { root, rootSchema: Topology, base, schema, label, node };
  for (const issue of r.error.issues) for (const li of issueErrors(issue, ictx)) out.push(place(ctx, li));
}

function parseYaml(text: string, file: string | undefined): { ctx: Ctx; raw: unknown } | { errors: ModelError[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const ctx: Ctx = { doc, lc, ...(file !== undefined ? { file } : {}) };
  const f = file !== undefined ? { file } : {};
  if (doc.errors.length) {
    const seen = new Set<string>();
    const errors: ModelError[] = [];
    for (const e of doc.errors) {
      const p = lc.linePos(e.pos[0]);
      const first = e.message.split('\n')[0] ?? e.message;
      if (seen.has(`${p.line} ${first}`)) continue;
      seen.add(`${p.line} ${first}`);
      errors.push({ code: 'YAML_SYNTAX', message: `YAML syntax: ${first}`, ...f, line: p.line, column: p.col });
      if (errors.length === 20) break;
    }
    return { errors };
  }
  // A `__proto__` key would set an object's prototype instead of a field once converted: no field has that name.
  const reserved: ModelError[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.value !== '__proto__') return;
      const p = lc.linePos(pair.key.range?.[0] ?? 0);
      reserved.push({
        code: 'INVALID_VALUE',
        message: '"__proto__" cannot be a key',
        ...f,
        line: p.line,
        column: p.col,
      });
    },
  });
  if (reserved.length) return { errors: reserved };
  try {
    return { ctx, raw: doc.toJS({ maxAliasCount: MAX_ALIASES }) };
  } catch (e) {
    const why =
      e instanceof RangeError ? 'the document is nested too deeply' : e instanceof Error ? e.message : String(e);
    return { errors: [{ code: 'YAML_SYNTAX', message: `YAML: ${why}`, ...f }] };
  }
}

function locateDiagnostics(ctx: Ctx, diags: Diagnostic[]): LocatedDiagnostic[] {
  return diags.map((d) => {
    const pos = d.path ? locate(ctx.doc, ctx.lc, ctx.where ? ctx.where(d.path) : d.path) : undefined;
    return {
      ...d,
      ...(ctx.file !== undefined ? { file: ctx.file } : {}),
      ...(pos ? { line: pos.line, column: pos.column } : {}),
    };
  });
}

function loadUnsafe(text: string, file: string | undefined): LoadResult {
  const f = file !== undefined ? { file } : {};
  if (text.length > MAX_TEXT)
    return {
      ok: false,
      errors: [{ code: 'TOO_LARGE', message: `the topology is larger than ${MAX_TEXT / 1024 / 1024} MiB`, ...f }],
    };
  if (nestingBound(text) > MAX_NESTING)
    return {
      ok: false,
      errors: [{ code: 'YAML_SYNTAX', message: `the document is nested more than ${MAX_NESTING} levels deep`, ...f }],
    };
  const fast = fastYaml(text);
  const parsed = fast === SLOW ? parseYaml(text, file) : { ctx: lazyCtx(text, file), raw: fast };
  if ('errors' in parsed) return { ok: false, errors: parsed.errors };
  const { raw } = parsed;
  let { ctx } = parsed;
  const m = migrate(raw);
  if (!m.ok) {
    const pos = m.code === 'NOT_A_MAPPING' ? undefined : locate(ctx.doc, ctx.lc, ['version']);
    return {
      ok: false,
      errors: [
        {
          code: m.code,
          message: m.message,
          ...f,
          field: 'version',
          ...(pos ? { line: pos.line, column: pos.column } : {}),
        },
      ],
    };
  }
  const root = m.doc;
  if (m.from !== CURRENT_VERSION) ctx = withWhere(ctx, m.where);
  // Counted before anything is checked per node: a huge list is refused in milliseconds, not minutes.
  for (const [key, max] of [
    ['nodes', MAX_NODES],
    ['links', MAX_LINKS],
  ] as const) {
    const list = root[key];
    if (Array.isArray(list) && list.length > max)
      return {
        ok: false,
        errors: [
          {
            code: 'TOO_LARGE',
            message: `the topology has ${list.length} ${key}: at most ${max} are allowed (far more than the app is built for)`,
            ...f,
            field: key,
          },
        ],
      };
  }
  const errors: ModelError[] = [];
  const env = Envelope.safeParse(root);
  if (!env.success) {
    const ictx: IssueContext = { root, rootSchema: Topology, base: [], schema: Envelope, label: 'topology' };
    for (const issue of env.error.issues) for (const li of issueErrors(issue, ictx)) errors.push(place(ctx, li));
  }
  const nodes: TopologyNode[] = [];
  if (Array.isArray(root.nodes)) root.nodes.forEach((n, i) => checkNode(ctx, root, n, i, errors, nodes));
  if (errors.length || !env.success) return { ok: false, errors: sortByLine(errors) };
  const topology: Topology = { ...env.data, nodes };
  return { ok: true, topology, diagnostics: locateDiagnostics(ctx, checkStructure(topology)) };
}

function sortByLine(errors: ModelError[]): ModelError[] {
  return errors
    .map((e, i) => ({ e, i }))
    .sort((x, y) => (x.e.line ?? 0) - (y.e.line ?? 0) || x.i - y.i)
    .map((x) => x.e);
}

/** Parses and validates a `*.qnet.yaml` text. Never throws: every problem comes back as data with its line. */
export function loadTopology(text: string, file?: string): LoadResult {
  try {
    return loadUnsafe(String(text), file);
  } catch (e) {
    const why =
      e instanceof RangeError
        ? 'the document is nested too deeply'
        : `internal error: ${e instanceof Error ? e.message : String(e)}`;
    return {
      ok: false,
      errors: [
        {
          code: e instanceof RangeError ? 'YAML_SYNTAX' : 'INTERNAL',
          message: why,
          ...(file !== undefined ? { file } : {}),
        },
      ],
    };
  }
}

/**
 * Validates a document given as a value (the UI's, over the engine API) exactly as a file: it goes through the
 * loader as JSON text (JSON is YAML), so the same size and depth caps, schemas and structural checks apply. Errors
 * and diagnostics carry no line: the value has none.
 */
export function loadDocument(value: unknown): LoadResult {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    const why = e instanceof RangeError ? 'it is nested too deeply' : 'it is not plain data';
    return { ok: false, errors: [{ code: 'NOT_A_MAPPING', message: `the document cannot be read: ${why}` }] };
  }
  if (text === undefined) return { ok: false, errors: [{ code: 'NOT_A_MAPPING', message: 'the document is missing' }] };
  const unplace = <T extends { line?: number; column?: number }>({ line: _l, column: _c, ...rest }: T) => rest;
  const r = loadTopology(text);
  return r.ok ? { ...r, diagnostics: r.diagnostics.map(unplace) } : { ok: false, errors: r.errors.map(unplace) };
}

/** The error-severity diagnostics of a load, as ModelErrors (what `qnet validate` fails on). */
export function loadErrorsFromDiagnostics(diags: readonly LocatedDiagnostic[]): ModelError[] {
  return diags
    .filter((d) => d.severity === 'error')
    .map((d) => ({
      code: d.code,
      message: d.message,
      ...(d.file !== undefined ? { file: d.file } : {}),
      ...(d.line !== undefined ? { line: d.line } : {}),
      ...(d.column !== undefined ? { column: d.column } : {}),
      ...(d.nodes[0] !== undefined ? { node: d.nodes[0] } : {}),
      ...(d.path ? { field: dottedPath(d.path) } : {}),
    }));
}

/** Every problem of a load as one list of located errors (load errors, or structural errors), for CLIs. */
export function allLoadErrors(r: LoadResult): ModelError[] {
  return r.ok ? loadErrorsFromDiagnostics(r.diagnostics) : r.errors;
}

/** A LocatedDiagnostic as one line: `file:line: CODE message`. */
export function formatDiagnostic(d: LocatedDiagnostic): string {
  const where = formatModelError({
    code: d.code,
    message: '',
    ...(d.file !== undefined ? { file: d.file } : {}),
    ...(d.line !== undefined ? { line: d.line } : {}),
  });
  return `${where}${d.severity} ${d.code}: ${d.message}`;
}

/**
 * Where document paths (of the current format) sit in a topology's YAML text, 1-based line and column, also in a
 * file of an older format: the compiler's diagnostics and the trust items are placed by it. The text is parsed on
 * the first question only.
 */
export function yamlLocator(
  text: string,
): (path: readonly (string | number)[]) => { line: number; column: number } | undefined {
  const ctx = lazyCtx(text, undefined);
  let where: ((path: DocPath) => DocPath) | undefined;
  return (path) => {
    if (where === undefined) {
      const version = ctx.doc.get('version');
      where = typeof version === 'number' && Number.isInteger(version) ? pathsBackTo(version) : (p) => p;
    }
    return locate(ctx.doc, ctx.lc, where(path));
  };
}
