import { describe, expect, it } from 'vitest';
import { ACTION_CATALOGUE, matchesKeys, type KeyPress } from './actions';

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe('the action catalogue', () => {
  it('has unique names within each scope', () => {
    const names = ACTION_CATALOGUE.map((a) => `${a.scope}:${a.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives every action an undo behaviour, and every toolbar button a document action', () => {
    for (const a of ACTION_CATALOGUE) expect(['record', 'none'], a.name).toContain(a.history);
    for (const a of ACTION_CATALOGUE.filter((x) => x.toolbar)) expect(a.scope, a.name).toBe('global');
  });
});

describe('matchesKeys', () => {
  it('needs exactly the modifiers named (Ctrl is Ctrl or Cmd)', () => {
    expect(matchesKeys('Ctrl+Z', press('z', { ctrlKey: true }))).toBe(true);
    expect(matchesKeys('Ctrl+Z', press('Z', { metaKey: true }))).toBe(true);
    expect(matchesKeys('Ctrl+Z', press('z', { ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(matchesKeys('Shift+Ctrl+Z', press('Z', { ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(matchesKeys('Ctrl+Z', press('z'))).toBe(false);
    expect(matchesKeys('Delete', press('Delete', { ctrlKey: true }))).toBe(false);
  });

  it('reads named keys as they are and a digit by its physical key', () => {
    expect(matchesKeys('ArrowLeft', press('ArrowLeft'))).toBe(true);
    expect(matchesKeys('Shift+ArrowLeft', press('ArrowLeft'))).toBe(false);
    expect(matchesKeys('Shift+1', press('!', { code: 'Digit1', shiftKey: true }))).toBe(true);
    expect(matchesKeys('Shift+1', press('!', { code: 'Digit2', shiftKey: true }))).toBe(false);
  });
});
