import { describe, expect, it } from 'vitest';
import type { LabStatus } from '../../shared/api';
import { applyEvent, defaultLab, fromList, type Labs } from './labs';

const status = (lab: string, state: LabStatus['state'], vms: string[]): LabStatus => ({
  lab,
  state,
  stateDir: '/tmp/x',
  netns: null,
  vms: vms.map((vm) => ({ vm, node: vm, state: { state: 'running', pid: 1 }, consoleSeq: 0 })),
});

describe('labs for the Consoles tab', () => {
  it('reads list, then follows labState and vmState', () => {
    let labs: Labs = fromList({}, [status('p2p', 'running', ['server', 'client'])]);
    expect(labs.p2p!.vms.map((v) => v.vm)).toEqual(['server', 'client']);
    labs = applyEvent(labs, {
      type: 'vmState',
      lab: 'p2p',
      vm: 'client',
      state: { state: 'crashed', exit: { code: 1, signal: null }, stderrTail: '' },
    });
    expect(labs.p2p!.vms[1]!.state).toBe('crashed');
    labs = applyEvent(labs, { type: 'labState', lab: 'p2p', state: 'stopped' });
    expect(labs.p2p!.state).toBe('stopped');
    // Launched again: a new run, its guests reported afresh.
    labs = applyEvent(labs, { type: 'labState', lab: 'p2p', state: 'starting' });
    expect(labs.p2p).toMatchObject({ state: 'starting', run: 1, vms: [] });
    labs = applyEvent(labs, { type: 'vmState', lab: 'p2p', vm: 'server', state: { state: 'starting' } });
    expect(labs.p2p!.vms).toEqual([{ vm: 'server', state: 'starting' }]);
  });

  it('keeps a stopped lab the engine dropped, forgets a live one it no longer lists, prefers a live lab', () => {
    let labs: Labs = fromList({}, [status('a', 'stopped', ['x']), status('b', 'running', ['y'])]);
    expect(defaultLab(labs)).toBe('b');
    labs = fromList(labs, []);
    expect(Object.keys(labs)).toEqual(['a']);
    expect(defaultLab(labs)).toBe('a');
    expect(defaultLab({})).toBeNull();
    expect(applyEvent(labs, { type: 'log', lab: 'a', level: 'info', topic: 'lab', message: 'm', time: 0 })).toBe(labs);
  });
});
