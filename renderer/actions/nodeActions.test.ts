import { describe, expect, it, vi } from 'vitest';
import { linkId, type Topology } from '../../shared/model';
import { newNode } from '../doc/factory';
import { EMPTY_LAB, type LabView } from '../lab/labStore';
import { createEditorStore } from '../store/store';
import { nodeActionsFor, openNodeConsole, type ActionContext, type NodeActionContext } from './registry';

function setup(lab: Pick<LabView, 'lab' | 'state' | 'vms'> & { switches?: LabView['switches'] }) {
  const editor = createEditorStore((d: Topology) => new Set(d.links.map((l, i) => linkId(l, i))));
  for (const kind of ['vm', 'vm', 'hub'] as const)
    editor
      .getState()
      .dispatch([{ type: 'add-node', node: newNode(editor.getState().doc, kind), position: { x: 0, y: 0 } }]);
  const openConsole = vi.fn<ActionContext['panels']['openConsole']>();
  const ctx = (): Omit<NodeActionContext, 'node'> => ({
    state: editor.getState(),
    lab: { switches: {}, ...lab, busy: null, links: {}, captures: {} },
    panels: { openConsole, openPackets: () => {} },
    app: {} as never,
  });
  return { editor, ctx, openConsole };
}

const running: Pick<LabView, 'lab' | 'state' | 'vms'> = {
  lab: 'p2p',
  state: 'running',
  vms: {
    alpha: { node: 'vm1', state: { state: 'running', pid: 7 } },
    beta: { node: 'vm2', state: { state: 'stopped' } },
  },
};

const found = (kind: 'vm' | 'hub', name: string) => nodeActionsFor(kind).find((i) => i.name === name);
/** A node action as the context menu runs it: checked and performed on one node. */
const item = (kind: 'vm' | 'hub', name: string) => {
  const a = found(kind, name);
  return (
    a && {
      enabled: (ctx: Omit<NodeActionContext, 'node'>, node: string) => a.predicate?.({ ...ctx, node }) ?? true,
      perform: (ctx: Omit<NodeActionContext, 'node'>, node: string) => a.perform({ ...ctx, node }),
    }
  );
};
const openOn = (ctx: Omit<NodeActionContext, 'node'>, node: string) => openNodeConsole({ ...ctx, node });

describe('node context menu', () => {
  it('offers Open console, Start, Stop and Restart on VMs only', () => {
    expect(nodeActionsFor('vm').map((i) => i.name)).toEqual([
      'open-console',
      'vm-start',
      'vm-stop',
      'vm-restart',
      'select',
      'delete',
    ]);
    expect(nodeActionsFor('hub').map((i) => i.name)).toEqual(['select', 'delete']);
  });

  it('enables Open console for a running guest of the followed lab and opens it by VM name', () => {
    const { ctx, openConsole } = setup(running);
    const open = item('vm', 'open-console')!;
    expect(open.enabled(ctx(), 'vm1')).toBe(true);
    expect(open.enabled(ctx(), 'vm2')).toBe(false);
    open.perform(ctx(), 'vm1');
    expect(openConsole).toHaveBeenCalledWith('p2p', 'alpha');
    expect(openOn(ctx(), 'vm2')).toBe(false);
    expect(openConsole).toHaveBeenCalledTimes(1);
  });

  it('disables Open console with no lab or a stopped one', () => {
    expect(item('vm', 'open-console')!.enabled(setup(EMPTY_LAB).ctx(), 'vm1')).toBe(false);
    const stopped = setup({ ...running, state: 'stopped' });
    expect(item('vm', 'open-console')!.enabled(stopped.ctx(), 'vm1')).toBe(false);
    expect(openOn(stopped.ctx(), 'vm1')).toBe(false);
  });

  it('offers Stop and Restart on a running guest, Start on a stopped or crashed one, none without a running lab', () => {
    const { ctx } = setup({
      ...running,
      vms: {
        ...running.vms,
        gamma: { node: 'hub1', state: { state: 'crashed', exit: { code: 1, signal: null }, stderrTail: '' } },
      },
    });
    const enabled = (node: string) =>
      ['vm-start', 'vm-stop', 'vm-restart'].filter((n) => item('vm', n)!.enabled(ctx(), node));
    expect(enabled('vm1')).toEqual(['vm-stop', 'vm-restart']);
    expect(enabled('vm2')).toEqual(['vm-start']);
    expect(enabled('hub1')).toEqual(['vm-start']);
    const stopped = setup({ ...running, state: 'stopped' });
    expect(['vm-start', 'vm-stop', 'vm-restart'].filter((n) => item('vm', n)!.enabled(stopped.ctx(), 'vm1'))).toEqual(
      [],
    );
    expect(
      ['vm-start', 'vm-stop', 'vm-restart'].filter((n) => item('vm', n)!.enabled(setup(EMPTY_LAB).ctx(), 'vm2')),
    ).toEqual([]);
  });

  it("offers a VDE switch's Stop and Restart while the engine says it runs, Start once it is stopped or crashed", () => {
    const { ctx } = setup({
      ...running,
      switches: {
        sw1: { state: 'running', pid: 9 },
        sw2: { state: 'stopped' },
        sw3: { state: 'crashed', exit: { code: null, signal: 'SIGKILL' }, stderrTail: '' },
      },
    });
    const enabled = (node: string) =>
      ['vm-start', 'vm-stop', 'vm-restart'].filter((n) => item('vm', n)!.enabled(ctx(), node));
    expect(enabled('sw1')).toEqual(['vm-stop', 'vm-restart']);
    expect(enabled('sw2')).toEqual(['vm-start']);
    expect(enabled('sw3')).toEqual(['vm-start']);
    expect(enabled('sw4')).toEqual([]);
    const stopped = setup({ ...running, state: 'stopped', switches: { sw1: { state: 'stopped' } } });
    expect(['vm-start', 'vm-stop', 'vm-restart'].filter((n) => item('vm', n)!.enabled(stopped.ctx(), 'sw1'))).toEqual(
      [],
    );
  });

  it('offers a bridge Capture segment while the lab runs and it is not captured, Stop capture while it is', () => {
    expect(nodeActionsFor('bridge').map((i) => `${i.name}:${i.label}`)).toEqual([
      'capture-start:Capture segment',
      'capture-stop:Stop capture',
      'select:Select',
      'delete:Delete',
    ]);
    expect(nodeActionsFor('vm').some((i) => i.name.startsWith('capture'))).toBe(false);
    const bridge = (name: string) => nodeActionsFor('bridge').find((i) => i.name === name)!;
    const openPackets = vi.fn<(link: string) => void>();
    const ctx = (lab: Partial<LabView>, node: string): NodeActionContext => ({
      ...setup(running).ctx(),
      lab: { ...running, busy: null, links: {}, captures: {}, switches: {}, ...lab },
      panels: { openConsole: () => {}, openPackets },
      node,
    });
    const captured = { captures: { br0: '/s/p2p/capture-br0-1.pcap' } };
    const states = (c: NodeActionContext) =>
      ['capture-start', 'capture-stop'].filter((n) => bridge(n).predicate?.(c) ?? true);
    expect(states(ctx({}, 'br0'))).toEqual(['capture-start']);
    expect(states(ctx(captured, 'br0'))).toEqual(['capture-stop']);
    expect(states(ctx(captured, 'br1'))).toEqual(['capture-start']);
    expect(states(ctx({ state: 'stopped' }, 'br0'))).toEqual([]);
    expect(states(ctx({ lab: null, state: null }, 'br0'))).toEqual([]);
  });

  it('Select selects the node; Delete removes it (not the selection) as one undo step', () => {
    const { editor, ctx } = setup(EMPTY_LAB);
    item('vm', 'select')!.perform(ctx(), 'vm2');
    expect(editor.getState().selection).toEqual({ nodes: ['vm2'], links: [] });
    const steps = editor.getState().history.past.length;
    item('hub', 'delete')!.perform(ctx(), 'hub1');
    expect(editor.getState().doc.nodes.map((n) => n.id)).toEqual(['vm1', 'vm2']);
    expect(editor.getState().history.past.length).toBe(steps + 1);
  });
});
