import { describe, expect, it } from 'vitest';
import { NicModelCache } from './probe-nic-models';

describe('NicModelCache', () => {
  it('probes each valid pair once and refuses junk', () => {
    let calls = 0;
    const cache = new NicModelCache(() => (calls++, ['e1000']));
    expect(cache.get('x86_64/q35')).toEqual(['e1000']);
    expect(cache.get('x86_64/q35')).toEqual(['e1000']);
    expect(calls).toBe(1);
    expect(cache.get('x86_64/-device')).toBeNull();
    expect(cache.get('mips/malta')).toBeNull();
    expect(cache.known()).toEqual({ 'x86_64/q35': ['e1000'] });
  });
});
