import { describe, expect, it } from 'vitest';
import { formatLabStatus, formatVmState } from './lab-progress';
import type { LabStatus } from '../../shared/api';

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

describe('formatLabStatus', () => {
  const status = (state: LabStatus['state']): LabStatus => ({
    lab: 'demo',
    state,
    stateDir: '/run/qnet/demo',
    netns: null,
    vms: [
      { vm: 'web', node: 'web', state: { state: 'running', pid: 42 }, consoleSeq: 0, consolePort: 5000 },
      { vm: 'db', node: 'db', state: { state: 'running', pid: 43 }, consoleSeq: 0 },
    ],
  });
  it("names a guest's console port while the lab runs, with the command that reaches it", () => {
    expect(formatLabStatus(status('running'), null).split('\n')).toEqual([
      'demo: running (/run/qnet/demo)',
      '  web: running (pid 42)',
      '  web: console on 127.0.0.1:5000 (nc 127.0.0.1 5000)',
      '  db: running (pid 43)',
    ]);
    expect(formatLabStatus(status('stopping'), null)).not.toContain('console on');
  });

  it('lists each VDE switch with its state after the guests', () => {
    const lines = formatLabStatus(
      {
        ...status('running'),
        switches: [
          { node: 'sw1', state: { state: 'running', pid: 44 } },
          { node: 'sw2', state: { state: 'stopped' } },
          { node: 'sw3', state: { state: 'crashed', exit: { code: null, signal: 'SIGKILL' }, stderrTail: '' } },
        ],
      },
      null,
    ).split('\n');
    expect(lines.slice(4)).toEqual([
      '  switch sw1: running (pid 44)',
      '  switch sw2: stopped',
      expect.stringMatching(/^ {2}switch sw3: crashed \(.*SIGKILL.*\)$/),
    ]);
  });
});
