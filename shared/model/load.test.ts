import { describe, expect, it } from 'vitest';
import { allLoadErrors, formatDiagnostic, loadErrorsFromDiagnostics, loadTopology } from './load';
import { formatModelError, type ModelError } from './errors';

function errors(text: string): ModelError[] {
  const r = loadTopology(text, 'alpha.yaml');
  if (r.ok) throw new Error('expected the file to be refused');
  return r.errors;
}

function one(text: string, code: string): ModelError {
  const found = errors(text).filter((e) => e.code === code);
  expect(found).toHaveLength(1);
  return found[0] as ModelError;
}

const HEAD = 'version: 2\nname: t\n';

describe('loadTopology: file errors name the node, the field and the line', () => {
  it('OUT_OF_RANGE', () => {
    const e = one(
      `${HEAD}nodes:
  - id: r1
    kind: vm
    memory: 8
`,
      'OUT_OF_RANGE',
    );
    expect(e).toMatchObject({ node: 'r1', field: 'nodes[0].memory', line: 6, file: 'alpha.yaml' });
    expect(formatModelError(e)).toBe('alpha.yaml:6: node "r1" (vm): field "memory": must be at least 16 (got 8)');
  });

  it('YAML_SYNTAX', () => {
    const e = errors(`${HEAD}nodes:\n  - id: [a\n    kind: vm\n`)[0];
    expect(e).toMatchObject({ code: 'YAML_SYNTAX', file: 'alpha.yaml' });
    expect(e?.line).toBeGreaterThanOrEqual(4);
  });

  it('YAML_SYNTAX: duplicate keys', () => {
    const e = one(`${HEAD}name: again\n`, 'YAML_SYNTAX');
    expect(e.line).toBe(3);
  });

  it('UNKNOWN_KIND lists the valid kinds and suggests one', () => {
    const e = one(
      `${HEAD}nodes:
  - id: sw
    kind: brigde
`,
      'UNKNOWN_KIND',
    );
    expect(e).toMatchObject({ node: 'sw', field: 'nodes[0].kind', line: 5 });
    expect(e.message).toContain('did you mean "bridge"?');
    expect(e.message).toContain('vm, host, bridge, tap, hub, vde, nat, mcast, l2tpv3, vhost-user, vdpa');
  });

  it('UNKNOWN_FIELD with a suggestion, pointing at the key', () => {
    const e = one(
      `${HEAD}nodes:
  - id: r1
    kind: vm
    nics:
      - id: eth0
        modle: e1000
`,
      'UNKNOWN_FIELD',
    );
    expect(e).toMatchObject({ node: 'r1', field: 'nodes[0].nics[0].modle', line: 8, column: 9 });
    expect(e.message).toBe('node "r1" (vm): field "nics[0].modle": unknown field; did you mean "model"?');
  });

  it('UNKNOWN_FIELD at the top lists the valid fields', () => {
    const e = one(`${HEAD}colour: red\n`, 'UNKNOWN_FIELD');
    expect(e).toMatchObject({ field: 'colour', line: 3 });
    expect(e.message).toContain('valid fields: version, name');
  });

  it('WRONG_TYPE', () => {
    const e = one(
      `${HEAD}nodes:
  - id: br
    kind: bridge
    stp: "yes"
`,
      'WRONG_TYPE',
    );
    expect(e).toMatchObject({ node: 'br', field: 'nodes[0].stp', line: 6 });
    expect(e.message).toBe('node "br" (bridge): field "stp": must be true or false (got text "yes")');
  });

  it('INVALID_VALUE: a bad MAC, and an enum with a suggestion', () => {
    const es = errors(`${HEAD}nodes:
  - id: r1
    kind: vm
    accel: kvmm
    nics:
      - { id: eth0, mac: "52:54:00:zz:00:01" }
`).filter((e) => e.code === 'INVALID_VALUE');
    expect(es.map((e) => [e.field, e.line])).toEqual([
      ['nodes[0].accel', 6],
      ['nodes[0].nics[0].mac', 8],
    ]);
    expect(es[0]?.message).toContain('did you mean "kvm"?');
    expect(es[1]?.message).toContain('must look like 52:54:00:12:34:56');
  });

  it('INVALID_VALUE: a NUL character in text that reaches argv (notes, an extra argument)', () => {
    const es = errors(`${HEAD}nodes:
  - id: r1
    kind: vm
    notes: "r\\0one"
    extraArgs: ["-smp", "2\\0"]
`).filter((e) => e.code === 'INVALID_VALUE');
    expect(es.map((e) => [e.field, e.line])).toEqual([
      ['nodes[0].notes', 6],
      ['nodes[0].extraArgs[1]', 7],
    ]);
    expect(es[0]?.message).toContain('must not contain a NUL character');
  });

  it('INVALID_VALUE: a layout key that cannot be a node id; "__proto__" is refused anywhere', () => {
    const e = one(`${HEAD}nodes: []\nlayout:\n  nodes:\n    9x: { x: 1, y: 2 }\n`, 'INVALID_VALUE');
    expect(e).toMatchObject({ field: 'layout.nodes["9x"]', line: 6 });
    expect(e.message).toContain('the key must start with a letter');
    // A version 1 file kept positions straight under layout: the line is still the file's.
    const v1 = one(`version: 1\nname: t\nnodes: []\nlayout:\n  9x: { x: 1, y: 2 }\n`, 'INVALID_VALUE');
    expect(v1).toMatchObject({ line: 5 });
    const p = one(`${HEAD}nodes: []\nlayout:\n  __proto__: { x: 1, y: 2 }\n`, 'INVALID_VALUE');
    expect(p).toMatchObject({ line: 5, column: 3 });
    expect(formatModelError(p)).toBe('alpha.yaml:5: "__proto__" cannot be a key');
  });

  it('INVALID_VALUE: annotations name their field and line; ids are unique', () => {
    const es = errors(`${HEAD}nodes: []
layout:
  annotations:
    - { id: n1, kind: note, x: 0, y: 0, text: hi }
    - { id: n1, kind: area, x: 0, y: 0, width: 5, height: 40 }
`);
    expect(es.map((e) => [e.code, e.field, e.line])).toEqual([
      ['OUT_OF_RANGE', 'layout.annotations[1].width', 7],
      ['INVALID_VALUE', 'layout.annotations[1].id', 7],
    ]);
    expect(es[1]!.message).toContain('must be unique: annotations[0] has the id "n1" too');
  });

  it('MISSING_FIELD: a node without an id is named by its index', () => {
    const e = one(
      `${HEAD}nodes:
  - kind: l2tpv3
    src: 192.0.2.1
    dst: 192.0.2.2
    txsession: 1
`,
      'MISSING_FIELD',
    );
    expect(e).toMatchObject({ node: 'nodes[0]', field: 'nodes[0].id', line: 4 });
    expect(e.message).toBe('node nodes[0] (l2tpv3): field "id": is required but missing');
  });

  it('MISSING_FIELD: kind', () => {
    const e = one(`${HEAD}nodes:\n  - id: x\n`, 'MISSING_FIELD');
    expect(e).toMatchObject({ node: 'x', field: 'nodes[0].kind', line: 4 });
  });

  it('VERSION', () => {
    const e = one('version: 3\nname: t\n', 'VERSION');
    expect(formatModelError(e)).toBe('alpha.yaml:1: file version 3 is newer than this Qnet Studio supports (2)');
  });

  it('NOT_A_MAPPING: the whole file and a node', () => {
    expect(one('- a\n- b\n', 'NOT_A_MAPPING').message).toContain('list');
    expect(one('', 'NOT_A_MAPPING').message).toContain('empty');
    expect(one(`${HEAD}nodes:\n  - 42\n`, 'NOT_A_MAPPING')).toMatchObject({ node: 'nodes[0]', line: 4 });
  });

  it('reports errors of every node, not only the first', () => {
    const es = errors(`${HEAD}nodes:
  - { id: a, kind: vm, memory: 1 }
  - { id: b, kind: vm, smp: 0 }
  - { id: c, kind: tap, queues: 99 }
  - { id: d, kind: what }
links:
  - { a: a:eth0 }
`);
    expect(es.map((e) => [e.node, e.line])).toEqual([
      ['a', 4],
      ['b', 5],
      ['c', 6],
      ['d', 7],
      [undefined, 9],
    ]);
  });

  it('structural errors come back as diagnostics with lines, and as errors on request', () => {
    const r = loadTopology(
      `${HEAD}nodes:
  - { id: a, kind: vm, nics: [{ id: eth0 }] }
links:
  - { a: a:eth0, b: ghost }
`,
      'alpha.yaml',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(formatDiagnostic(r.diagnostics[0]!)).toBe(
      'alpha.yaml:6: error LINK_DANGLING: link a:eth0 - ghost: end b "ghost" names node "ghost", which does not exist',
    );
    expect(loadErrorsFromDiagnostics(r.diagnostics)).toEqual([
      expect.objectContaining({ code: 'LINK_DANGLING', line: 6, field: 'links[0].b', file: 'alpha.yaml' }),
    ]);
    expect(allLoadErrors(r)).toHaveLength(1);
  });

  it('applies defaults', () => {
    const r = loadTopology(`${HEAD}nodes:\n  - { id: a, kind: vm }\n`);
    expect(r.ok && r.topology.nodes[0]).toMatchObject({
      memory: 256,
      smp: 1,
      arch: 'x86_64',
      boot: { type: 'tiny' },
      nics: [],
    });
    expect(r.ok && r.topology.settings).toEqual({ portBase: 40000, macPrefix: '52:54:00' });
  });

  it('never throws on hostile input', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${'b' + i}: &${'b' + i} [*${i ? 'b' + (i - 1) : 'a'}, *${i ? 'b' + (i - 1) : 'a'}, *${i ? 'b' + (i - 1) : 'a'}, *${i ? 'b' + (i - 1) : 'a'}]`,
      );
    const inputs = [
      bomb.join('\n'),
      '['.repeat(100000),
      '- '.repeat(60000) + 'x',
      '{a: '.repeat(20000),
      '\u0000\u0001\uffff\ud800',
      `${HEAD}nodes: {}`,
      `${HEAD}__proto__: {x: 1}`,
      `${HEAD}nodes: [{ id: a, kind: toString }]`,
    ];
    for (const text of inputs) {
      const r = loadTopology(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.every((e) => e.code !== 'INTERNAL')).toBe(true);
    }
  });
});
