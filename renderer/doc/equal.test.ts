import { describe, expect, it } from 'vitest';
import { sameData } from './equal';

describe('sameData', () => {
  it('compares data, not references or key order; a key set to undefined is a missing key', () => {
    expect(sameData({ a: [1, { b: 'x' }], c: 2 }, { c: 2, a: [1, { b: 'x' }] })).toBe(true);
    expect(sameData({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameData({ a: [1, 2] }, { a: [1, 2, 3] })).toBe(false);
    expect(sameData({ a: { b: 1 } }, { a: { b: 2 } })).toBe(false);
    expect(sameData([], {})).toBe(false);
    expect(sameData({ a: null }, { a: {} })).toBe(false);
  });
});
