import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatModelError } from './errors';
import { parseDocument } from 'yaml';
import { loadTopology } from './load';
import { fastYaml, SLOW } from './yamlfast';
import { saveTopology } from './save';
import { compile } from '../compiler';
import { DEFAULT_TARGET } from '../compiler/target';
import { emitScripts } from '../emit/scripts';

/**
 * Thousands of mutated topology files through load, compile and export: any uncaught exception fails the test.
 * Valid mutants must also survive a save/load round trip. Compile runs even with structural errors (the canvas
 * compiles live while a drawing is half done); export runs when the plan has no errors.
 */

/** More runs with QNET_FUZZ_RUNS; other inputs with QNET_FUZZ_SEED (see vitest.setup.ts). */
const FUZZ_RUNS = Number(process.env.QNET_FUZZ_RUNS ?? 2500);

const here = fileURLToPath(new URL('.', import.meta.url));
const examplesDir = fileURLToPath(new URL('../../assets/examples/', import.meta.url));
const seedFiles = [
  ...readdirSync(`${here}fixtures`)
    .filter((f) => f.endsWith('.qnet.yaml'))
    .map((f) => `${here}fixtures/${f}`),
  ...(existsSync(examplesDir)
    ? readdirSync(examplesDir)
        .filter((f) => f.endsWith('.qnet.yaml'))
        .map((f) => examplesDir + f)
    : []),
].sort();
const seeds = seedFiles.map((f) => readFileSync(f, 'utf8'));

const VALUES = [
  '-1',
  '0',
  '1',
  '16',
  '65536',
  '99999999999999999999',
  '1.5',
  'true',
  'null',
  '~',
  '[]',
  '{}',
  '""',
  "'x'",
  'a:b',
  'br0',
  'vm',
  'hub',
  'alpha:eth0',
  'eth0',
  '*x',
  '&x y',
  '!!binary aGk=',
  '0x10',
  '.inf',
  '1e400',
  '52:54:00:00:00:01',
  '/tmp/x',
  '10.0.0.1/24',
];

const mutation = fc.oneof(
  fc.record({ op: fc.constant('deleteChar' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicateChar' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('replaceChar' as const),
    at: fc.nat(),
    text: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    op: fc.constant('insertText' as const),
    at: fc.nat(),
    text: fc.string({ unit: 'binary', maxLength: 12 }),
  }),
  fc.record({ op: fc.constant('deleteLine' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicateLine' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swapLines' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({
    op: fc.constant('replaceValue' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(...VALUES), fc.string({ unit: 'grapheme', maxLength: 8 })),
  }),
  fc.record({ op: fc.constant('swapValues' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ op: fc.constant('copyValue' as const), at: fc.nat(), other: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

const VALUE_LINE = /^(\s*(?:- )?[A-Za-z_]+:\s*)(\S.*)$/;

function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const li = m.at % Math.max(1, lines.length);
  const ci = m.at % Math.max(1, text.length);
  const valueLines = lines.map((l, i) => (VALUE_LINE.test(l) ? i : -1)).filter((i) => i >= 0);
  const pick = (n: number) => valueLines[n % Math.max(1, valueLines.length)];
  switch (m.op) {
    case 'deleteChar':
      return text.slice(0, ci) + text.slice(ci + 1);
    case 'duplicateChar':
      return text.slice(0, ci + 1) + text.slice(ci);
    case 'replaceChar':
      return text.slice(0, ci) + m.text + text.slice(ci + 1);
    case 'insertText':
      return text.slice(0, ci) + m.text + text.slice(ci);
    case 'deleteLine':
      return lines.filter((_, i) => i !== li).join('\n');
    case 'duplicateLine':
      return [...lines.slice(0, li + 1), ...lines.slice(li)].join('\n');
    case 'swapLines': {
      const o = m.other % Math.max(1, lines.length);
      const out = [...lines];
      [out[li], out[o]] = [lines[o] ?? '', lines[li] ?? ''];
      return out.join('\n');
    }
    case 'replaceValue': {
      const i = pick(m.at);
      if (i === undefined) return text;
      return lines.map((l, j) => (j === i ? l.replace(VALUE_LINE, (_, k: string) => k + m.value) : l)).join('\n');
    }
    case 'swapValues':
    case 'copyValue': {
      const i = pick(m.at);
      const j = pick(m.other);
      if (i === undefined || j === undefined) return text;
      const vi = VALUE_LINE.exec(lines[i] ?? '')?.[2] ?? '';
      const vj = VALUE_LINE.exec(lines[j] ?? '')?.[2] ?? '';
      return lines
        .map((l, k) =>
          k === i
            ? l.replace(VALUE_LINE, (_, key: string) => key + vj)
            : k === j && m.op === 'swapValues'
              ? l.replace(VALUE_LINE, (_, key: string) => key + vi)
              : l,
        )
        .join('\n');
    }
  }
}

/** Mutants that once broke a property: [seed file name, mutations]. */
const REGRESSIONS: [string, Mutation[]][] = [
  // A NUL in a VM name loaded and compiled without error, then export refused it (EMIT_BAD_WORD).
  [
    '09-aarch64-virt.qnet.yaml',
    [
      { op: 'replaceChar', at: 1311357166, text: '\u{10000}\u{10000}\u{10000}' },
      { op: 'insertText', at: 1679582741, text: '\u0000' },
      { op: 'swapValues', at: 1667252844, other: 207452304 },
    ],
  ],
  // Deleting half of a surrogate pair left a lone surrogate in a VM argument; it has no UTF-8 form.
  [
    '08-vhost-user-vdpa.qnet.yaml',
    [
      { op: 'replaceChar', at: 2106585938, text: '\u{10000}' },
      { op: 'deleteLine', at: 893971542 },
      { op: 'deleteChar', at: 2102019571 },
    ],
  ],
];

/** Where the fast road reads a text, `yaml` (the slow road, the one errors are located with) reads the same values. */
function checkRoads(text: string): void {
  const fast = fastYaml(text);
  if (fast === SLOW) return;
  const doc = parseDocument(text, { uniqueKeys: true });
  expect(doc.errors.map((e) => e.message)).toEqual([]);
  expect(fast).toStrictEqual(doc.toJS({ maxAliasCount: 100 }));
}

function check(text: string): { loaded: boolean; compiled: boolean } {
  checkRoads(text);
  const r = loadTopology(text, 'fuzz.qnet.yaml');
  if (!r.ok) {
    expect(r.errors.length).toBeGreaterThan(0);
    for (const e of r.errors) {
      expect(e.code).not.toBe('INTERNAL');
      expect(typeof formatModelError(e)).toBe('string');
    }
    return { loaded: false, compiled: false };
  }
  expect(loadTopology(saveTopology(r.topology))).toEqual({
    ok: true,
    topology: r.topology,
    diagnostics: expect.any(Array),
  });
  const plan = compile(r.topology, DEFAULT_TARGET);
  if (plan.diagnostics.some((d) => d.severity === 'error')) return { loaded: true, compiled: false };
  const exported = emitScripts(plan);
  expect(exported.ok ? [] : exported.errors).toEqual([]);
  return { loaded: true, compiled: true };
}

describe('load fuzz', () => {
  it.each(REGRESSIONS)('regression: %s mutated', (file, ms) => {
    const seed = seedFiles.findIndex((f) => f.endsWith(`/${file}`));
    expect(seed).toBeGreaterThanOrEqual(0);
    check(ms.reduce(mutate, seeds[seed] ?? ''));
  });

  it(
    'never throws on mutated topology files; what loads round-trips, compiles and exports',
    () => {
      let loaded = 0;
      let compiled = 0;
      fc.assert(
        fc.property(
          fc.nat({ max: seeds.length - 1 }),
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          (seed, ms) => {
            const r = check(ms.reduce(mutate, seeds[seed] ?? ''));
            if (r.loaded) loaded++;
            if (r.compiled) compiled++;
          },
        ),
        { numRuns: FUZZ_RUNS },
      );
      // The mutations must leave enough files valid to exercise the paths past the schema.
      expect(loaded).toBeGreaterThan(100);
      expect(compiled).toBeGreaterThan(50);
    },
    30_000 + FUZZ_RUNS * 10,
  );
});
