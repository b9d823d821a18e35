import { describe, expect, it } from 'vitest';
import { loadTopology } from './load';
import { visibleText } from './visible';

const withNode = (fields: string) => loadTopology(`version: 1\nname: t\nnodes:\n  - { id: a, ${fields} }\n`);

describe('control characters', () => {
  it('are refused in names (C0, DEL, C1, bidi overrides) with the node and field named', () => {
    for (const name of ['"a\\e[2J"', '"a\\x7f"', '"a\\u009b2J"', '"a\\u202eb"', '"a\\tb"', '"a\\nb"']) {
      const r = withNode(`kind: vm, name: ${name}`);
      expect(r.ok, name).toBe(false);
      if (r.ok) continue;
      expect(r.errors[0]).toMatchObject({ node: 'a', field: 'nodes[0].name', line: 4 });
      expect(r.errors[0]!.message).toMatch(/field "name": must not contain control characters/);
    }
    const nat = withNode('kind: nat, hostname: "h\\e]0;x\\a"');
    expect(!nat.ok && nat.errors[0]!.field).toBe('nodes[0].hostname');
    expect(withNode('kind: vm, name: "Ωmega — ルータ"').ok).toBe(true);
    expect(withNode('kind: vm, notes: "two\\nlines\\twith a tab"').ok).toBe(true);
  });

  it('are shown escaped, keeping newlines, tabs and every other character', () => {
    expect(visibleText('a\u001b[2Jb\u0007\r\u007f\u009b\u202e\ttab\nline ルータ')).toBe(
      'a\\u001b[2Jb\\u0007\\u000d\\u007f\\u009b\\u202e\ttab\nline ルータ',
    );
    // Inside a JSON string the escape reads back as the same character.
    expect(JSON.parse(`"${visibleText('\u009b')}"`)).toBe('\u009b');
  });
});
