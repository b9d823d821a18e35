import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fnv1a32, hashBase36 } from './hash';

describe('fnv1a32', () => {
  it('matches the published FNV-1a test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
});

describe('hashBase36', () => {
  it('has exactly the asked length and only [0-9a-z]', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 40 }), (s, len) => {
        const h = hashBase36(s, len);
        expect(h).toHaveLength(len);
        expect(h).toMatch(/^[0-9a-z]+$/);
        expect(hashBase36(s, len)).toBe(h);
      }),
    );
  });
  it('spreads: no collisions among 20,000 similar strings at 10 characters', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20000; i++) seen.add(hashBase36(`vm${i}:eth0 br${i % 7}`, 10));
    expect(seen.size).toBe(20000);
  });
});
