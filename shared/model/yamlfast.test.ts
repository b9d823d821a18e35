import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadTopology } from './load';
import { fastYaml, SLOW } from './yamlfast';

describe('fastYaml', () => {
  it('reads core-schema scalars as yaml does, huge numbers included', () => {
    const text = [
      'a: 0x1F',
      'b: 0o17',
      'c: 1e400',
      'd: -.inf',
      'e: 010',
      'f: 1_000',
      'g: 0b11',
      'h: ~',
      'i: TRUE',
      'j: 2001-12-14',
      'k: on',
    ].join('\n');
    expect(fastYaml(text)).toStrictEqual(parse(text));
  });

  it.each([
    ['an anchor and alias', 'a: &x 1\nb: *x'],
    ['a tag', 'a: !!str 1'],
    ['a directive', '%YAML 1.1\n---\na: 1'],
    ['a merge key', 'a: {<<: {b: 1}}'],
    ['a complex key', '? [a]\n: 1'],
    ['a __proto__ key', '__proto__: 1'],
    ['a null key', ': 1'],
    ['a number key', '1: a'],
    ['a duplicate key', 'a: 1\na: 2'],
    ['bad syntax', 'a: b: c'],
    ['nothing', ''],
  ])('sends %s the slow road', (_, text) => {
    expect(fastYaml(text)).toBe(SLOW);
  });

  it('errors of a file read on the fast road still carry their lines', () => {
    const text = 'version: 1\nname: x\nnodes:\n  - id: a\n    kind: vm\n    memory: lots\n';
    expect(fastYaml(text)).not.toBe(SLOW);
    const r = loadTopology(text, 'x.qnet.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ line: 6, node: 'a' });
  });
});
