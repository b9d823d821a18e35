import { describe, expect, it, vi } from 'vitest';
import { fail, type Result } from '../../shared/api';
import type { DesktopFile, DesktopRequest, MenuAction, QnetWindowApi } from '../../shared/desktop-api';
import { linkId, loadTopology, saveTopology, type Topology } from '../../shared/model';
import type { AppCommands } from '../actions/registry';
import { emptyDocument, newNode } from '../doc/factory';
import { createEditorStore, type EditorStore } from '../store/store';
import { connectDesktop } from './bridge';
import { assembleTarget, type HostProbe } from '../../shared/compiler/target';
import { useLab } from '../lab/labStore';

type Answers = { [K in DesktopRequest['type']]?: (request: Extract<DesktopRequest, { type: K }>) => Result };

/** The part of `window.qnet` the bridge uses: `ready` answers with `queued` once, like main's IPC layer. */
function fakeApi(answers: Answers = {}, queued: MenuAction[] = []) {
  const requests: DesktopRequest[] = [];
  const listeners = new Set<(a: MenuAction) => void>();
  let pending: MenuAction[] | null = queued;
  const api = {
    onAction(listener: (a: MenuAction) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async desktop(request: DesktopRequest) {
      requests.push(request);
      if (request.type === 'ready') {
        const actions = pending ?? [];
        pending = null;
        return { ok: true, actions };
      }
      const answer = answers[request.type] as ((r: DesktopRequest) => Result) | undefined;
      return answer ? answer(request) : { ok: true };
    },
  };
  const fire = (a: MenuAction) => listeners.forEach((l) => l(a));
  const sent = (type: DesktopRequest['type']) => requests.filter((r) => r.type === type);
  return { api: api as unknown as QnetWindowApi, requests, listeners, fire, sent };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(answers: Answers = {}, queued: MenuAction[] = [], where = { editingText: false, dialogOpen: false }) {
  const store: EditorStore = createEditorStore((d: Topology) => new Set(d.links.map((l, i) => linkId(l, i))));
  const app: AppCommands = {
    openFilePicker: vi.fn(),
    importFile: vi.fn(),
    save: vi.fn(),
    saveAs: vi.fn(),
    exportScripts: vi.fn(),
    exportDiagram: vi.fn(),
    newDocument: vi.fn(),
    openGallery: vi.fn(),
  };
  // openText without the canvas layout: load the YAML into this store.
  const openText = vi.fn(async (text: string, path: string) => {
    const r = loadTopology(text, path);
    if (r.ok) store.getState().load(r.topology, path);
    return r.ok;
  });
  const fake = fakeApi(answers, queued);
  const focus = { ...where };
  const labListeners = new Set<() => void>();
  const onLabChange = (l: () => void) => (labListeners.add(l), () => void labListeners.delete(l));
  const connect = () => connectDesktop(fake.api, { store, app, openText, focus: () => focus, onLabChange });
  return { ...fake, store, app, openText, connect, focus, labListeners };
}

const fileText = (name: string) => saveTopology({ ...emptyDocument(), name });
const readOk = (r: { path: string }): Result<{ file: DesktopFile }> => ({
  ok: true,
  file: { path: r.path, text: fileText(r.path.replace(/^.*\/|\.qnet\.yaml$/g, '')) },
});
const addVm = (store: EditorStore) =>
  store
    .getState()
    .dispatch([{ type: 'add-node', node: newNode(store.getState().doc, 'vm'), position: { x: 0, y: 0 } }]);

describe('connectDesktop: menu actions', () => {
  it('runs a registry action by name against the store and the app commands', async () => {
    const t = setup();
    t.connect();
    addVm(t.store);
    t.fire({ name: 'undo' });
    expect(t.store.getState().doc.nodes).toEqual([]);
    t.fire({ name: 'new' });
    expect(t.app.newDocument).toHaveBeenCalledOnce();
    t.fire({ name: 'saveAs' });
    expect(t.app.saveAs).toHaveBeenCalledOnce();
  });

  it('in a text field, Edit menu commands are the field’s (run by main), not the drawing’s; a dialog blocks the rest', async () => {
    const t = setup();
    t.connect();
    addVm(t.store);
    t.focus.editingText = true;
    for (const name of ['undo', 'copy', 'paste', 'selectAll']) t.fire({ name });
    await flush();
    expect(t.sent('editText')).toEqual(['undo', 'copy', 'paste', 'selectAll'].map((op) => ({ type: 'editText', op })));
    expect(t.store.getState().doc.nodes).toHaveLength(1);
    t.focus.editingText = false;
    t.focus.dialogOpen = true;
    t.fire({ name: 'undo' });
    await flush();
    expect(t.store.getState().doc.nodes).toHaveLength(1);
    t.focus.dialogOpen = false;
    t.fire({ name: 'undo' });
    await flush();
    expect(t.store.getState().doc.nodes).toHaveLength(0);
  });

  it('tells the menu which actions can run, again only when that changes', () => {
    const t = setup();
    const off = t.connect();
    const states = () => t.sent('menuState').map((r) => (r as { enabled: Record<string, boolean> }).enabled);
    expect(states()).toHaveLength(1);
    expect(states()[0]).toMatchObject({ undo: false, redo: false, delete: false });
    addVm(t.store);
    expect(states().at(-1)).toMatchObject({ undo: true, redo: false });
    const count = states().length;
    t.store.getState().notify('info', 'nothing that changes an action');
    for (const l of t.labListeners) l();
    expect(states()).toHaveLength(count);
    t.store.getState().undo();
    expect(states().at(-1)).toMatchObject({ undo: false, redo: true });
    off();
    expect(t.labListeners.size).toBe(0);
  });

  it('greys Validate while a lab request is in flight, as the toolbar does', () => {
    const t = setup();
    t.connect();
    const probe: HostProbe = {
      qemu: {},
      nicModels: {},
      kvm: { usable: false, reason: 'test' },
      vhostNet: false,
      tinyGuest: {},
      hostInterfaces: [],
      stateDir: '/tmp/q',
      shortStateDir: '/tmp/q',
    };
    t.store
      .getState()
      .setProbed({ probe, options: {}, target: assembleTarget(probe, {}), engineDir: '/tmp', qemuOffers: [] });
    const last = () => (t.sent('menuState').at(-1) as { enabled: Record<string, boolean> }).enabled;
    expect(last()).toMatchObject({ validate: true });
    try {
      useLab.getState().set({ busy: 'launch' });
      for (const l of t.labListeners) l();
      expect(last()).toMatchObject({ validate: false, launch: false });
    } finally {
      useLab.getState().set({ busy: null });
    }
  });

  it('skips an action whose predicate is false', () => {
    const t = setup();
    t.connect();
    const undo = vi.spyOn(t.store.getState(), 'undo');
    t.fire({ name: 'undo' });
    expect(undo).not.toHaveBeenCalled();
    expect(t.store.getState().notice).toBeNull();
  });

  it('gives an error notice for an action name it does not know', () => {
    const t = setup();
    t.connect();
    t.fire({ name: 'frobnicate' });
    expect(t.store.getState().notice).toMatchObject({ kind: 'error', text: expect.stringContaining('"frobnicate"') });
  });

  it('openRecent reads the file through main and opens it under its full path', async () => {
    const t = setup({ readFile: readOk });
    t.connect();
    t.fire({ name: 'openRecent', path: '/labs/two.qnet.yaml' });
    await flush();
    expect(t.sent('readFile')).toEqual([{ type: 'readFile', path: '/labs/two.qnet.yaml' }]);
    expect(t.store.getState().doc.name).toBe('two');
    expect(t.store.getState().fileName).toBe('/labs/two.qnet.yaml');
  });

  it('a failed read shows main’s error and keeps the document', async () => {
    const t = setup({ readFile: (r) => fail('INVALID_REQUEST', `${r.path} was not opened by the user`) });
    t.connect();
    const doc = t.store.getState().doc;
    t.fire({ name: 'openPath', path: '/etc/x.qnet.yaml' });
    await flush();
    expect(t.openText).not.toHaveBeenCalled();
    expect(t.store.getState().doc).toBe(doc);
    expect(t.store.getState().notice).toMatchObject({
      kind: 'error',
      text: '/etc/x.qnet.yaml was not opened by the user',
    });
  });
});

describe('connectDesktop: the ready handshake', () => {
  it('runs the queued actions once, in order, across a dispose and reconnect (StrictMode)', async () => {
    const queued = [
      { name: 'openPath', path: '/labs/one.qnet.yaml' },
      { name: 'openPath', path: '/labs/two.qnet.yaml' },
    ];
    const t = setup({ readFile: readOk }, queued);
    t.connect()(); // mount, unmount
    const dispose = t.connect(); // mount again
    await flush();
    expect(t.sent('ready')).toHaveLength(1);
    expect(t.openText.mock.calls.map((c) => c[1])).toEqual(['/labs/one.qnet.yaml', '/labs/two.qnet.yaml']);
    expect(t.store.getState().fileName).toBe('/labs/two.qnet.yaml');
    dispose();
    t.connect();
    await flush();
    expect(t.sent('ready')).toHaveLength(1);
    expect(t.openText).toHaveBeenCalledTimes(2);
  });

  it('subscribes to actions before sending ready', () => {
    const t = setup();
    let listening = -1;
    const desktop = t.api.desktop.bind(t.api);
    t.api.desktop = ((r: DesktopRequest) => {
      if (r.type === 'ready') listening = t.listeners.size;
      return desktop(r);
    }) as QnetWindowApi['desktop'];
    t.connect();
    expect(listening).toBe(1);
  });
});

describe('connectDesktop: document state', () => {
  it('reports dirty and the file at start and whenever either changes', () => {
    const t = setup();
    t.connect();
    expect(t.sent('documentState')).toEqual([{ type: 'documentState', dirty: false, path: null }]);
    addVm(t.store);
    addVm(t.store);
    t.store.getState().select({ nodes: ['vm1'], links: [] });
    t.store.getState().markSaved('/labs/a.qnet.yaml');
    expect(t.sent('documentState').slice(1)).toEqual([
      { type: 'documentState', dirty: true, path: null },
      { type: 'documentState', dirty: false, path: '/labs/a.qnet.yaml' },
    ]);
  });

  it('disposing unsubscribes from actions and the store', () => {
    const t = setup();
    const dispose = t.connect();
    dispose();
    expect(t.listeners.size).toBe(0);
    addVm(t.store);
    expect(t.sent('documentState')).toHaveLength(1);
  });
});
