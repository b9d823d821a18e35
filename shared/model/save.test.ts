import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadTopology } from './load';
import { saveTopology } from './save';
import type { Topology } from './schema';
import { NAME_CONTROL } from './visible';

const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.qnet.yaml'));

function load(text: string): Topology {
  const r = loadTopology(text);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.topology;
}

describe('saveTopology', () => {
  it.each(fixtures)('round-trips %s', (f) => {
    const t = load(readFileSync(dir + f, 'utf8'));
    const text = saveTopology(t);
    expect(load(text)).toEqual(t);
    expect(saveTopology(load(text))).toBe(text);
  });

  it('writes keys in a stable order and leaves defaults out', () => {
    const t = load('layout: {}\nlinks: []\nnodes: [{ kind: vm, id: a, memory: 256, name: A }]\nname: t\nversion: 2\n');
    expect(saveTopology(t)).toBe('version: 2\nname: t\nnodes:\n  - id: a\n    kind: vm\n    name: A\nlinks: []\n');
  });

  it('writes a version 1 file in the current format: positions under layout.nodes, one line each', () => {
    const t = load('version: 1\nname: t\nnodes: [{ kind: hub, id: a }]\nlayout:\n  a: { x: 1, y: 2 }\n');
    expect(saveTopology(t)).toBe(
      'version: 2\nname: t\nnodes:\n  - id: a\n    kind: hub\nlinks: []\nlayout:\n  nodes:\n    a: { x: 1, y: 2 }\n',
    );
  });

  it('round-trips arbitrary text in names (no control characters), notes, descriptions and annotations, and any id as a layout key', () => {
    const base = load(readFileSync(dir + 'bridged.qnet.yaml', 'utf8'));
    fc.assert(
      fc.property(
        // Any Unicode but NUL, which the schema refuses in text that may reach argv; names also no control characters.
        fc
          .string({ unit: 'binary', maxLength: 64 })
          .map((s) => [...s].filter((c) => !NAME_CONTROL.test(c)).join(''))
          .filter((s) => s.length > 0),
        fc.string({ unit: 'binary', maxLength: 300 }).filter((s) => !s.includes('\u0000')),
        fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/), // a layout key is a node id
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (name, notes, key, x) => {
          const t: Topology = {
            ...base,
            description: notes,
            nodes: base.nodes.map((n, i) => (i === 0 ? { ...n, name, notes } : n)),
            layout: {
              nodes: { ...base.layout.nodes, [key]: { x, y: -x } },
              annotations: [
                { id: key, kind: 'note', x, y: x, text: notes },
                { id: 'area', kind: 'area', x: -x, y: 0, width: 40, height: 20.5, label: name, color: 'green' },
              ],
            },
          };
          expect(load(saveTopology(t))).toEqual(t);
        },
      ),
      { numRuns: 300 },
    );
  });
});
