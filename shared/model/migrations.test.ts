import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from './migrations';
import { CURRENT_VERSION } from './schema';

describe('migrate', () => {
  it('has version 1 as its first entry and ends at the current version', () => {
    expect(MIGRATIONS[0]?.to).toBe(1);
    expect(MIGRATIONS.at(-1)?.to).toBe(CURRENT_VERSION);
    MIGRATIONS.forEach((m, i) => expect(m.to).toBe(i + 1));
  });
  it('brings a version 1 document to 2: positions move under layout.nodes, paths map back', () => {
    const m = migrate({ version: 1, name: 'x', layout: { a: { x: 1, y: 2 } } });
    expect(m).toMatchObject({
      ok: true,
      doc: { version: 2, name: 'x', layout: { nodes: { a: { x: 1, y: 2 } } } },
      from: 1,
    });
    if (!m.ok) return;
    expect(m.where(['layout', 'nodes', 'a', 'x'])).toEqual(['layout', 'a', 'x']);
    expect(m.where(['nodes', 0, 'id'])).toEqual(['nodes', 0, 'id']);
    expect(migrate({ version: 1, name: 'x' })).toMatchObject({ ok: true, doc: { version: 2, name: 'x' } });
  });
  it('passes a current document through', () => {
    const m = migrate({ version: CURRENT_VERSION, name: 'x' });
    expect(m).toMatchObject({ ok: true, doc: { version: CURRENT_VERSION, name: 'x' }, from: CURRENT_VERSION });
    if (m.ok) expect(m.where(['layout', 'nodes', 'a'])).toEqual(['layout', 'nodes', 'a']);
  });
  it('refuses newer files with the versions in the sentence', () => {
    expect(migrate({ version: 7 })).toEqual({
      ok: false,
      code: 'VERSION',
      message: 'file version 7 is newer than this Qnet Studio supports (2)',
    });
  });
  it('names the missing field', () => {
    expect(migrate({ name: 'x' })).toMatchObject({
      ok: false,
      code: 'MISSING_FIELD',
      message: expect.stringContaining('"version"'),
    });
  });
  it('refuses a version that is not a whole number', () => {
    expect(migrate({ version: '1' })).toMatchObject({ ok: false, code: 'VERSION' });
    expect(migrate({ version: 0 })).toMatchObject({ ok: false, code: 'VERSION' });
  });
  it('refuses documents that are not mappings', () => {
    for (const raw of [null, undefined, 3, 'x', [1]])
      expect(migrate(raw)).toMatchObject({ ok: false, code: 'NOT_A_MAPPING' });
  });
});
