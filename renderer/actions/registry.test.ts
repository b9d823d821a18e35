import { describe, expect, it } from 'vitest';
import { linkId, loadTopology, type Topology } from '../../shared/model';
import { EMPTY_LAB } from '../lab/labStore';
import { createEditorStore } from '../store/store';
import { ACTIONS, actionForKey, type AppCommands } from './registry';

const app = {} as AppCommands;
const run = (store: ReturnType<typeof createEditorStore>, name: string) => {
  const action = ACTIONS.find((a) => a.name === name)!;
  action.perform({
    state: store.getState(),
    lab: EMPTY_LAB,
    panels: { openConsole: () => {}, openPackets: () => {} },
    app,
  });
};

describe('registry actions', () => {
  it('Select all selects every node and every link', () => {
    const store = createEditorStore((d: Topology) => new Set(d.links.map((l, i) => linkId(l, i))));
    const r = loadTopology(
      "version: 1\nname: s\nnodes:\n  - { id: a, kind: vm, nics: [{ id: eth0 }] }\n  - { id: b, kind: nat }\nlinks:\n  - { a: 'a:eth0', b: b }\n",
    );
    if (!r.ok) throw new Error('fixture');
    store.getState().load(r.topology, null);
    run(store, 'selectAll');
    const { doc: loaded, selection } = store.getState();
    expect(selection).toEqual({ nodes: ['a', 'b'], links: [linkId(loaded.links[0]!, 0)] });
  });

  it('Fit view (Shift+1) asks the canvas to show every node', () => {
    const store = createEditorStore(() => new Set());
    const before = store.getState().reveal.seq;
    const key = {
      key: '!',
      code: 'Digit1',
      shiftKey: true,
      ctrlKey: false,
      metaKey: false,
      altKey: false,
    } as KeyboardEvent;
    expect(actionForKey(key)?.name).toBe('fitView');
    run(store, 'fitView');
    expect(store.getState().reveal).toEqual({ seq: before + 1, nodes: [] });
  });

  it('each action changes the undo history as its catalogue entry says (one step, or none)', () => {
    // The actions that act on the drawing alone (the others call the engine or elkjs; undo and redo walk the history).
    const local = ACTIONS.filter((a) => !['tidyLayout', 'validate', 'launch', 'stop', 'undo', 'redo'].includes(a.name));
    const calls: string[] = [];
    const commands = new Proxy({}, { get: (_, name) => () => calls.push(String(name)) }) as AppCommands;
    for (const action of local) {
      const store = createEditorStore((d: Topology) => new Set(d.links.map((l, i) => linkId(l, i))));
      const r = loadTopology(
        "version: 1\nname: s\nnodes:\n  - { id: a, kind: vm, nics: [{ id: eth0 }] }\n  - { id: b, kind: nat }\nlinks:\n  - { a: 'a:eth0', b: b }\n",
      );
      if (!r.ok) throw new Error('fixture');
      store.getState().load(r.topology, null);
      store.getState().dispatch([{ type: 'move-nodes', moves: [{ id: 'a', position: { x: 0, y: 0 } }] }]);
      store.getState().select({ nodes: ['a'], links: [] });
      store.getState().copy();
      const before = store.getState().history.past.length;
      const ctx = {
        state: store.getState(),
        lab: EMPTY_LAB,
        panels: { openConsole: () => {}, openPackets: () => {} },
        app: commands,
      };
      if (action.predicate && !action.predicate(ctx)) continue;
      action.perform(ctx);
      const steps = store.getState().history.past.length - before;
      // `import` records its step once the app has read the file: here it only asks the app.
      expect(steps, action.name).toBe(action.history === 'record' && action.name !== 'import' ? 1 : 0);
    }
    expect(calls).toContain('importFile');
  });
});
