import { describe, expect, it } from 'vitest';
import { applyEvent, EMPTY_LAB, labSwitch, linkControl, nodeStates, viewOfStatus, type LabView } from './labStore';

const running: LabView = {
  ...EMPTY_LAB,
  lab: 'p2p',
  state: 'running',
  vms: {
    a: { node: 'na', state: { state: 'running', pid: 1 } },
    b: { node: 'nb', state: { state: 'running', pid: 2 } },
  },
};

describe('lab view', () => {
  it("takes a switch's state from the engine: its status after a reload, then its switchState events", () => {
    const crashed = { state: 'crashed', exit: { code: null, signal: 'SIGKILL' }, stderrTail: '' } as const;
    const reloaded = viewOfStatus({
      lab: 'p2p',
      state: 'running',
      stateDir: '/s',
      netns: null,
      vms: [],
      switches: [
        { node: 'sw', state: { state: 'stopped' } },
        { node: 'sw2', state: { state: 'running', pid: 7 } },
      ],
    });
    expect(reloaded.switches).toEqual({ sw: { state: 'stopped' }, sw2: { state: 'running', pid: 7 } });
    expect(labSwitch(reloaded, 'sw')).toEqual({ up: false });
    expect(labSwitch(reloaded, 'sw2')).toEqual({ up: true });
    expect(labSwitch(reloaded, 'vm1')).toBeNull();
    const started = applyEvent(reloaded, {
      type: 'switchState',
      lab: 'p2p',
      node: 'sw',
      state: { state: 'running', pid: 9 },
    });
    expect(started.switches).toEqual({ sw: { state: 'running', pid: 9 }, sw2: { state: 'running', pid: 7 } });
    const died = applyEvent(started, { type: 'switchState', lab: 'p2p', node: 'sw2', state: crashed });
    expect(died.switches.sw2).toEqual(crashed);
    expect(applyEvent(died, { type: 'switchState', lab: 'other', node: 'sw', state: crashed })).toBe(died);
    // A stopped lab offers no switch action, whatever its switches' last states.
    expect(labSwitch({ ...died, state: 'stopped' }, 'sw')).toBeNull();
    expect(viewOfStatus({ lab: 'p2p', state: 'running', stateDir: '/s', netns: null, vms: [] }).switches).toEqual({});
  });

  it('turns a crashed guest into a badge and its stderr tail into log lines', () => {
    const v = applyEvent(running, {
      type: 'vmState',
      lab: 'p2p',
      vm: 'a',
      state: { state: 'crashed', exit: { code: null, signal: 'SIGKILL' }, stderrTail: 'qemu: oops\n' },
    });
    expect(nodeStates(v).na).toMatchObject({ state: 'crashed' });
    expect(nodeStates(v).nb).toMatchObject({ state: 'running' });
    expect(v.log.map((l) => (l.kind === 'log' ? l.message : ''))).toEqual([
      'a: QEMU killed by SIGKILL',
      'a stderr:\nqemu: oops',
    ]);
  });

  it("logs host steps; ignores other labs (which lab to follow is labSync.ts's decision) and consoles", () => {
    const step = applyEvent(running, {
      type: 'step',
      lab: 'p2p',
      index: 0,
      total: 2,
      description: 'Create bridge',
      status: 'undone',
    });
    expect(step.log).toMatchObject([{ kind: 'step', status: 'undone', description: 'Create bridge' }]);
    expect(applyEvent(running, { type: 'labState', lab: 'other', state: 'starting' })).toBe(running);
    expect(applyEvent(running, { type: 'console', lab: 'p2p', vm: 'a', seq: 0, end: 1, data: 'x' })).toBe(running);
    expect(applyEvent(EMPTY_LAB, { type: 'labState', lab: 'other', state: 'starting' })).toBe(EMPTY_LAB);
  });

  it('restores a lab from status and logs', () => {
    const v = viewOfStatus(
      {
        lab: 'p2p',
        state: 'running',
        stateDir: '/s',
        netns: null,
        vms: [{ vm: 'a', node: 'na', state: { state: 'running', pid: 3 }, consoleSeq: 0 }],
      },
      [{ lab: 'p2p', level: 'info', topic: 'lab', message: 'started', time: 1 }],
    );
    expect(nodeStates(v)).toEqual({ na: { state: 'running', pid: 3 } });
    expect(v.log).toEqual([{ kind: 'log', level: 'info', message: 'started', time: 1 }]);
  });

  it('shows a host step once: its event live, its log line after a reload', () => {
    const step = { index: 1, total: 3, description: 'Create tap', status: 'undone' } as const;
    let v = applyEvent(running, { type: 'step', lab: 'p2p', ...step });
    v = applyEvent(v, {
      type: 'log',
      lab: 'p2p',
      level: 'info',
      topic: 'step',
      message: '2/3 undone: Create tap',
      time: 5,
      step,
    });
    expect(v.log).toMatchObject([{ kind: 'step', status: 'undone', index: 1 }]);
    const restored = viewOfStatus({ lab: 'p2p', state: 'stopped', stateDir: '/s', netns: null, vms: [] }, [
      { lab: 'p2p', level: 'info', topic: 'step', message: '2/3 undone: Create tap', time: 5, step },
      { lab: 'p2p', level: 'info', topic: 'lab', message: 'lab p2p stopped', time: 6 },
    ]);
    expect(restored.log).toEqual([
      { kind: 'step', ...step, time: 5 },
      { kind: 'log', level: 'info', message: 'lab p2p stopped', time: 6 },
    ]);
  });

  it('a page opened after a crash shows how the guest ended and its stderr tail', () => {
    const v = viewOfStatus({
      lab: 'p2p',
      state: 'running',
      stateDir: '/s',
      netns: null,
      vms: [
        {
          vm: 'a',
          node: 'na',
          state: { state: 'crashed', exit: { code: 1, signal: null }, stderrTail: 'qemu: bad\n' },
          consoleSeq: 0,
        },
      ],
    });
    expect(v.log.map((l) => (l.kind === 'log' ? l.message : ''))).toEqual([
      'a: QEMU exited with code 1',
      'a stderr:\nqemu: bad',
    ]);
  });

  it('follows link states from status and linkState events; only a running lab offers them', () => {
    const v = viewOfStatus({
      lab: 'p2p',
      state: 'running',
      stateDir: '/s',
      netns: null,
      vms: [],
      links: [
        { link: 'wire', up: false },
        { link: 'lan', up: true },
      ],
    });
    expect(v.links).toEqual({ wire: false, lan: true });
    expect(linkControl(v, 'wire')).toEqual({ up: false });
    expect(linkControl(v, 'uplink')).toBeNull();
    const up = applyEvent(v, { type: 'linkState', lab: 'p2p', link: 'wire', up: true });
    expect(up.links).toEqual({ wire: true, lan: true });
    expect(applyEvent(up, { type: 'linkState', lab: 'p2p', link: 'wire', up: true })).toBe(up);
    expect(applyEvent(up, { type: 'linkState', lab: 'other', link: 'wire', up: false })).toBe(up);
    expect(linkControl({ ...up, state: 'stopped' }, 'wire')).toBeNull();
  });
});
