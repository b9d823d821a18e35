import { describe, expect, it } from 'vitest';
import { formatVmState } from './lab-progress';

describe('formatVmState', () => {
  it('says a running guest with the addresses it reported, and a crash with its stderr', () => {
    expect(formatVmState('web', { state: 'running', pid: 42 })).toBe('web: running (pid 42)');
    expect(
      formatVmState('web', { state: 'running', pid: 42, addresses: { eth0: '10.0.2.15/24', eth1: '10.0.44.7/24' } }),
    ).toBe('web: running (pid 42), eth0 10.0.2.15/24, eth1 10.0.44.7/24');
    expect(formatVmState('web', { state: 'crashed', exit: { code: 1, signal: null }, stderrTail: 'boom\n' })).toMatch(
      /^web: crashed \(.+\), stderr:\n {4}boom$/,
    );
  });
});
