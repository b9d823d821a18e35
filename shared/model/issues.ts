import type { z } from 'zod';
import type { ModelError } from './errors';
import { dottedPath } from './errors';
import { objectShape, schemaAt } from './schemaWalk';
import { didYouMean } from './suggest';

/**
 * Turns zod issues into ModelErrors whose sentences a user understands: which field, what is wrong, what was
 * found. The location (line) is added by the loader.
 */

type Path = (string | number)[];
type Issue = z.core.$ZodIssue;

/** What `v` is, briefly, for "(got …)". */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') {
    const s = JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
    return `text ${s}`;
  }
  return String(v);
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let v = root;
  for (const seg of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  return shown.length === 1 ? `must be ${shown[0]}` : `must be one of ${shown.join(', ')}`;
}

function sizeText(
  issue: Issue & { origin?: string; minimum?: unknown; maximum?: unknown; inclusive?: boolean },
  small: boolean,
): { code: string; text: string } {
  const bound = String(small ? issue.minimum : issue.maximum);
  const origin = issue.origin ?? 'number';
  if (origin === 'number' || origin === 'int' || origin === 'bigint') {
    const cmp = small
      ? issue.inclusive === false
        ? 'greater than'
        : 'at least'
      : issue.inclusive === false
        ? 'less than'
        : 'at most';
    return { code: 'OUT_OF_RANGE', text: `must be ${cmp} ${bound}` };
  }
  if (origin === 'string') {
    if (small && bound === '1') return { code: 'INVALID_VALUE', text: 'must not be empty' };
    return { code: 'INVALID_VALUE', text: `must be ${small ? 'at least' : 'at most'} ${bound} characters long` };
  }
  if (origin === 'array')
    return {
      code: 'OUT_OF_RANGE',
      text: `must have ${small ? 'at least' : 'at most'} ${bound} item${bound === '1' ? '' : 's'}`,
    };
  return { code: 'OUT_OF_RANGE', text: `must be ${small ? 'at least' : 'at most'} ${bound}` };
}

/** The part of one issue after `field "x": `, with its code. */
function explain(issue: Issue, value: unknown): { code: string; text: string } {
  const got = ` (got ${describeValue(value)})`;
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) return { code: 'MISSING_FIELD', text: 'is required but missing' };
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return { code: 'WRONG_TYPE', text: `must be ${expected}${got}` };
    }
    case 'too_small':
      return { ...sizeText(issue, true), text: sizeText(issue, true).text + got };
    case 'too_big':
      return { ...sizeText(issue, false), text: sizeText(issue, false).text + got };
    case 'invalid_value': {
      const hint =
        typeof value === 'string'
          ? didYouMean(
              value,
              issue.values.filter((v): v is string => typeof v === 'string'),
            )
          : undefined;
      return { code: 'INVALID_VALUE', text: `${oneOf(issue.values)}${got}${hint ? `; did you mean "${hint}"?` : ''}` };
    }
    case 'invalid_union': {
      const u = issue as Issue & { note?: string; options?: unknown[] };
      if (u.options && u.note) {
        if (value === undefined) return { code: 'MISSING_FIELD', text: `is required: ${oneOf(u.options)}` };
        return { code: 'INVALID_VALUE', text: `${oneOf(u.options)}${got}` };
      }
      const parts = issue.errors
        .map((branch) => (branch[0] ? explain(branch[0], value).text.replace(got, '') : ''))
        .filter(Boolean);
      return { code: 'INVALID_VALUE', text: `${[...new Set(parts)].join(', or ') || 'is not valid'}${got}` };
    }
    case 'invalid_format':
    case 'custom':
      return { code: 'INVALID_VALUE', text: `${issue.message}${got}` };
    case 'invalid_key': {
      // A mapping key the schema refuses (a layout entry keyed by something that cannot be a node id).
      const inner = issue.issues[0];
      return { code: 'INVALID_VALUE', text: `the key ${inner ? inner.message : 'is not valid'}` };
    }
    case 'not_multiple_of':
      return { code: 'INVALID_VALUE', text: `must be a multiple of ${String(issue.divisor)}${got}` };
    default:
      return { code: 'INVALID_VALUE', text: `${issue.message}${got}` };
  }
}

export interface IssueContext {
  /** The whole document (for values and union resolution). */
  readonly root: unknown;
  /** The schema of the whole document. */
  readonly rootSchema: z.ZodType;
  /** Path of the validated part inside the document (e.g. ['nodes', 2]). */
  readonly base: Path;
  /** The schema the part was validated with. */
  readonly schema: z.ZodType;
  /** Who the part is, for sentences: `node "r1" (vm)`. */
  readonly label: string;
  readonly node?: string;
}

export interface LocatedIssue {
  readonly error: Omit<ModelError, 'line' | 'column' | 'file'>;
  readonly path: Path;
  /** Point at the key rather than the value (unknown fields). */
  readonly atKey: boolean;
}

function sentence(ctx: IssueContext, rel: Path, text: string): string {
  return rel.length ? `${ctx.label}: field "${dottedPath(rel)}": ${text}` : `${ctx.label}: ${text}`;
}

/** One zod issue as one or more located errors (one per unknown key). */
export function issueErrors(issue: Issue, ctx: IssueContext): LocatedIssue[] {
  const rel = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const path = [...ctx.base, ...rel];
  const node = ctx.node !== undefined ? { node: ctx.node } : {};
  if (issue.code === 'unrecognized_keys') {
    const here = valueAt(ctx.root, path);
    const at = schemaAt(ctx.schema, valueAt(ctx.root, ctx.base), rel);
    const shape = at ? objectShape(at.schema, here) : null;
    const valid = shape ? Object.keys(shape) : [];
    return issue.keys.map((key) => {
      const hint = didYouMean(key, valid);
      const help = hint ? `; did you mean "${hint}"?` : valid.length ? ` (valid fields: ${valid.join(', ')})` : '';
      return {
        error: {
          code: 'UNKNOWN_FIELD',
          message: sentence(ctx, [...rel, key], `unknown field${help}`),
          field: dottedPath([...path, key]),
          ...node,
        },
        path: [...path, key],
        atKey: true,
      };
    });
  }
  const value = valueAt(ctx.root, path);
  const { code, text } = explain(issue, value);
  return [
    {
      error: { code, message: sentence(ctx, rel, text), field: dottedPath(path), ...node },
      path,
      atKey: value === undefined,
    },
  ];
}
