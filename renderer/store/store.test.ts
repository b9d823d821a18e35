import { describe, expect, it } from 'vitest';
import { linkId } from '../../shared/model';
import type { Topology, VmNode } from '../../shared/model';
import { actionNamed, NUDGE } from '../actions/registry';
import { newNic, newNode } from '../doc/factory';
import { EMPTY_LAB } from '../lab/labStore';
import { createEditorStore } from './store';

function store() {
  const s = createEditorStore((d: Topology) => new Set(d.links.map((l) => linkId(l))));
  const st = () => s.getState();
  for (const kind of ['vm', 'vm'] as const)
    st().dispatch([{ type: 'add-node', node: newNode(st().doc, kind), position: { x: 0, y: 0 } }]);
  for (const id of ['vm1', 'vm2']) {
    const vm = st().doc.nodes.find((n) => n.id === id) as VmNode;
    st().dispatch([
      {
        type: 'replace-node',
        id,
        node: { ...vm, nics: [{ ...newNic(vm), mac: id === 'vm1' ? '52:54:00:00:00:01' : 'auto' }] },
      },
    ]);
  }
  st().dispatch([{ type: 'add-link', link: { a: 'vm1:eth0', b: 'vm2:eth0', transport: 'auto', family: 'unix' } }]);
  return s;
}

const ctx = (s: ReturnType<typeof store>) => ({
  state: s.getState(),
  lab: EMPTY_LAB,
  panels: { openConsole: () => {}, openPackets: () => {} },
  app: {} as never,
});

describe('editor store: clipboard and nudges', () => {
  it('paste is one undo step, selects what it pasted, and lands further each time', () => {
    const s = store();
    s.getState().select({ nodes: ['vm1', 'vm2'], links: [] });
    actionNamed('copy').perform(ctx(s));
    const steps = s.getState().history.past.length;
    actionNamed('paste').perform(ctx(s));
    expect(s.getState().doc.nodes.map((n) => n.id)).toEqual(['vm1', 'vm2', 'vm3', 'vm4']);
    expect(s.getState().doc.links).toHaveLength(2);
    expect(s.getState().selection.nodes).toEqual(['vm3', 'vm4']);
    expect(s.getState().history.past.length).toBe(steps + 1);
    actionNamed('paste').perform(ctx(s));
    expect(s.getState().doc.layout.nodes.vm5).toEqual({ x: 80, y: 80 });
    s.getState().undo();
    s.getState().undo();
    expect(s.getState().doc.nodes).toHaveLength(2);
  });

  it('an arrow key moves the selected nodes by a grid step, Shift by a large one; each press one undo step', () => {
    const s = store();
    s.getState().select({ nodes: ['vm2'], links: [] });
    const steps = s.getState().history.past.length;
    actionNamed('nudgeRight').perform(ctx(s));
    actionNamed('nudgeDownLarge').perform(ctx(s));
    expect(s.getState().doc.layout.nodes.vm2).toEqual({ x: NUDGE.small, y: NUDGE.large });
    expect(s.getState().doc.layout.nodes.vm1).toEqual({ x: 0, y: 0 });
    expect(s.getState().history.past.length).toBe(steps + 2);
    s.getState().undo();
    expect(s.getState().doc.layout.nodes.vm2).toEqual({ x: NUDGE.small, y: 0 });
  });

  it('the keys reach the right actions', () => {
    const press = (key: string, mods: Partial<KeyboardEvent> = {}) =>
      ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods }) as KeyboardEvent;
    const named = (e: KeyboardEvent) =>
      ['copy', 'paste', 'nudgeLeft', 'nudgeLeftLarge', 'selectAll'].find((n) => actionNamed(n).keyTest!(e));
    expect(named(press('c', { ctrlKey: true }))).toBe('copy');
    expect(named(press('v', { metaKey: true }))).toBe('paste');
    expect(named(press('ArrowLeft'))).toBe('nudgeLeft');
    expect(named(press('ArrowLeft', { shiftKey: true }))).toBe('nudgeLeftLarge');
    expect(named(press('a', { ctrlKey: true }))).toBe('selectAll');
  });
});

describe('editor store: dirty', () => {
  const vm = (s: ReturnType<typeof store>, id: string) => s.getState().doc.nodes.find((n) => n.id === id) as VmNode;
  const setMemory = (s: ReturnType<typeof store>, memory: number) =>
    s.getState().dispatch([{ type: 'replace-node', id: 'vm1', node: { ...vm(s, 'vm1'), memory } }]);

  it('undoing back to what was last opened or saved makes the document clean; redo makes it dirty again', () => {
    const s = store();
    s.getState().load(s.getState().doc, 'lab.qnet.yaml');
    expect(s.getState().dirty).toBe(false);
    setMemory(s, 512);
    expect(s.getState().dirty).toBe(true);
    s.getState().undo();
    expect(s.getState().dirty).toBe(false);
    s.getState().redo();
    expect(s.getState().dirty).toBe(true);

    s.getState().markSaved('lab.qnet.yaml');
    expect(s.getState().dirty).toBe(false);
    s.getState().undo();
    expect(s.getState().dirty).toBe(true);
    s.getState().redo();
    expect(s.getState().dirty).toBe(false);
  });

  it('an edit that puts back the saved data is clean; a drag that ends where it began too', () => {
    const s = store();
    s.getState().markSaved('lab.qnet.yaml');
    setMemory(s, 512);
    setMemory(s, 256);
    expect(s.getState().dirty).toBe(false);
    s.getState().beginInteraction();
    s.getState().dispatch([{ type: 'move-nodes', moves: [{ id: 'vm2', position: { x: 30, y: 0 } }] }], {
      kind: 'none',
    });
    expect(s.getState().dirty).toBe(true);
    s.getState().dispatch([{ type: 'move-nodes', moves: [{ id: 'vm2', position: { x: 0, y: 0 } }] }], { kind: 'none' });
    s.getState().endInteraction();
    expect(s.getState().dirty).toBe(false);
  });

  it('an edit made while an asynchronous save was writing keeps the document dirty', () => {
    const s = store();
    const written = s.getState().doc;
    setMemory(s, 512);
    s.getState().markSaved('/labs/lab.qnet.yaml', written);
    expect(s.getState()).toMatchObject({ dirty: true, fileName: '/labs/lab.qnet.yaml', savedDoc: written });
    s.getState().undo();
    expect(s.getState().dirty).toBe(false);
  });
});
