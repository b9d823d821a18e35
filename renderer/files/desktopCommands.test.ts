import { describe, expect, it, vi } from 'vitest';
import { fail, type Result } from '../../shared/api';
import type { DesktopRequest, QnetWindowApi } from '../../shared/desktop-api';
import { linkId, saveTopology, type Topology } from '../../shared/model';
import { newNode } from '../doc/factory';
import { createEditorStore } from '../store/store';
import { desktopFileCommands } from './desktopCommands';

function setup(answer: (r: DesktopRequest) => Result) {
  const requests: DesktopRequest[] = [];
  const api = {
    async desktop(r: DesktopRequest) {
      requests.push(r);
      return answer(r);
    },
  } as unknown as QnetWindowApi;
  const store = createEditorStore((d: Topology) => new Set(d.links.map((l, i) => linkId(l, i))));
  store
    .getState()
    .dispatch([{ type: 'add-node', node: newNode(store.getState().doc, 'vm'), position: { x: 0, y: 0 } }]);
  const openText = vi.fn(async () => true);
  return { requests, store, openText, commands: desktopFileCommands(api, { store, openText }) };
}

describe('desktop file commands', () => {
  it('save with a cancelled dialog leaves the document unsaved', async () => {
    const t = setup(() => ({ ok: true, path: null }));
    await t.commands.save();
    const doc = t.store.getState().doc;
    expect(t.requests).toEqual([{ type: 'saveFile', text: saveTopology(doc), suggestedName: `${doc.name}.qnet.yaml` }]);
    expect(t.store.getState()).toMatchObject({ dirty: true, fileName: null, notice: null });
  });

  it('save marks the document saved under the path main wrote, and the next save goes to that path', async () => {
    const t = setup(() => ({ ok: true, path: '/labs/a.qnet.yaml' }));
    await t.commands.save();
    expect(t.store.getState()).toMatchObject({
      dirty: false,
      fileName: '/labs/a.qnet.yaml',
      notice: { kind: 'info', text: 'Saved /labs/a.qnet.yaml' },
    });
    await t.commands.save();
    expect(t.requests[1]).toMatchObject({
      type: 'saveFile',
      path: '/labs/a.qnet.yaml',
      suggestedName: '/labs/a.qnet.yaml',
    });
  });

  it('save as always asks, without a path', async () => {
    const t = setup(() => ({ ok: true, path: '/labs/b.qnet.yaml' }));
    t.store.getState().markSaved('/labs/a.qnet.yaml');
    await t.commands.saveAs();
    expect(t.requests[0]).not.toHaveProperty('path');
    expect(t.requests[0]).toMatchObject({ type: 'saveFileAs', suggestedName: '/labs/a.qnet.yaml' });
    expect(t.store.getState().fileName).toBe('/labs/b.qnet.yaml');
  });

  it('a failed write shows main’s error and stays unsaved', async () => {
    const t = setup(() => fail('INTERNAL', 'cannot write /labs/a.qnet.yaml: EACCES'));
    await t.commands.save();
    expect(t.store.getState()).toMatchObject({
      dirty: true,
      notice: { kind: 'error', text: 'cannot write /labs/a.qnet.yaml: EACCES' },
    });
  });

  it('open: a cancelled dialog does nothing, a chosen file opens under its full path', async () => {
    let file: { path: string; text: string } | null = null;
    const t = setup(() => ({ ok: true, file }));
    await t.commands.openFilePicker();
    expect(t.openText).not.toHaveBeenCalled();
    file = { path: '/labs/c.qnet.yaml', text: 'version: 1' };
    await t.commands.openFilePicker();
    expect(t.openText).toHaveBeenCalledWith('version: 1', '/labs/c.qnet.yaml');
  });
});
