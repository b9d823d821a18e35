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
  it("keeps each QEMU's answers apart: a chosen QEMU is asked, not answered from the installed one's", () => {
    const asked: string[] = [];
    const cache = new NicModelCache((arch, machine, chosen) => {
      asked.push(`${chosen?.binaries[arch] ?? 'installed'} ${machine}`);
      return chosen ? ['ne2k_isa'] : ['e1000'];
    });
    const q10 = { binaries: { x86_64: '/q10/qemu-system-x86_64' }, dataDirs: [], env: {} };
    expect(cache.get('x86_64/isapc')).toEqual(['e1000']);
    expect(cache.get('x86_64/isapc', q10)).toEqual(['ne2k_isa']);
    expect(cache.get('x86_64/isapc', { ...q10 })).toEqual(['ne2k_isa']);
    expect(asked).toEqual(['installed isapc', '/q10/qemu-system-x86_64 isapc']);
    expect(cache.known(q10)).toEqual({ 'x86_64/isapc': ['ne2k_isa'] });
    expect(cache.known()).toEqual({ 'x86_64/isapc': ['e1000'] });
  });
});
