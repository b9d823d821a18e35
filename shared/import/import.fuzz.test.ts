import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compile, DEFAULT_TARGET } from '../compiler';
import { Topology } from '../model/schema';
import { importQemu } from './index';

const DIR = join(import.meta.dirname, 'fixtures/qemu-cmdlines');
const CORPUS = readdirSync(DIR)
  .filter((f) => f.endsWith('.args'))
  .sort()
  .map((f) => readFileSync(join(DIR, f), 'utf8'));

/** Pieces people (and copy-paste) get wrong: quotes, escapes, JSON, option syntax, shell operators. */
const JUNK = [
  "'",
  '"',
  '\\',
  '\\\n',
  '{',
  '}',
  '{"',
  '":',
  ',',
  ',,',
  '=',
  '-',
  '--',
  '-netdev',
  '-device',
  '-nic',
  '-net',
  'netdev=',
  'id=',
  'type=',
  'hubport',
  'vlan=1',
  '$',
  '${X',
  '$(',
  '`',
  '#',
  ';',
  '&',
  '|',
  '2>&1',
  '<<EOF',
  '\n',
  ' ',
  'null',
  'mac=zz',
  'fd=3',
  '…',
  '\u0000',
  'sudo ',
];

/** One mutation of a corpus file: cut, insert, replace, delete, duplicate or swap pieces of it. */
const mutated = fc
  .tuple(
    fc.integer({ min: 0, max: CORPUS.length - 1 }),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.nat(), fc.nat(), fc.constantFrom(...JUNK)), {
      minLength: 1,
      maxLength: 6,
    }),
  )
  .map(([i, edits]) => {
    let s = CORPUS[i]!;
    for (const [op, p, q, junk] of edits) {
      const at = s.length === 0 ? 0 : p % s.length;
      const len = 1 + (q % 24);
      if (op === 0) s = s.slice(0, at) + junk + s.slice(at);
      else if (op === 1) s = s.slice(0, at) + junk + s.slice(at + len);
      else if (op === 2) s = s.slice(0, at) + s.slice(at + len);
      else if (op === 3) s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
      else if (op === 4) s = s.slice(0, at);
      else {
        const words = s.split(' ');
        const a = p % words.length;
        const b = q % words.length;
        [words[a], words[b]] = [words[b]!, words[a]!];
        s = words.join(' ');
      }
    }
    return s;
  });

describe('import of mutated corpus lines', () => {
  test('never throws; every diagnostic names a line; what comes out is a valid drawing that compiles', () => {
    const runs = Number(process.env.QNET_FUZZ_RUNS ?? 3000);
    fc.assert(
      fc.property(mutated, (text) => {
        const r = importQemu(text);
        expect(r.diagnostics.filter((d) => d.code === 'IMPORT_INTERNAL')).toEqual([]);
        const lines = text.split('\n').length;
        for (const d of r.diagnostics) {
          expect(d.line, d.code).toBeGreaterThanOrEqual(1);
          expect(d.line!).toBeLessThanOrEqual(lines);
          expect(d.column, d.code).toBeGreaterThanOrEqual(1);
        }
        if (r.topology === null) expect(r.partial).toBe(true);
        else {
          expect(Topology.safeParse(r.topology).success).toBe(true);
          compile(r.topology, DEFAULT_TARGET);
        }
        expect(r.partial).toBe(r.topology === null || r.diagnostics.some((d) => d.severity === 'error'));
      }),
      { numRuns: runs },
    );
  });
});
