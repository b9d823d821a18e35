import { describe, expect, it, vi } from 'vitest';
import { IPC } from '../../shared/desktop-api';

const ipc = await vi.hoisted(async () => {
  const { EventEmitter } = await import('node:events');
  const emitter = new EventEmitter();
  return {
    emitter,
    invoke: vi.fn(async (_channel: string, request: { type: string }) => ({ ok: true, echo: request.type })),
  };
});
const exposed = vi.hoisted(() => ({ key: '', api: null as unknown }));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => Object.assign(exposed, { key, api }) },
  ipcRenderer: {
    invoke: ipc.invoke,
    on: (channel: string, h: (...a: unknown[]) => void) => ipc.emitter.on(channel, h),
    removeListener: (channel: string, h: (...a: unknown[]) => void) => ipc.emitter.removeListener(channel, h),
  },
}));

await import('./preload');
const api = exposed.api as import('../../shared/desktop-api').QnetWindowApi;
const fromMain = (channel: string, payload: unknown) =>
  ipc.emitter.emit(channel, { sender: 'ipcRenderer itself' }, payload);

describe('preload', () => {
  it('exposes window.qnet with the contract’s four functions and nothing else, frozen', () => {
    expect(exposed.key).toBe('qnet');
    expect(Object.keys(api).sort()).toEqual(['desktop', 'onAction', 'request', 'subscribe']);
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.values(api).every((v) => typeof v === 'function')).toBe(true);
  });

  it('sends requests on their channels and resolves with the answer', async () => {
    expect(await api.request({ type: 'list' })).toEqual({ ok: true, echo: 'list' });
    expect(ipc.invoke).toHaveBeenLastCalledWith(IPC.request, { type: 'list' });
    await api.desktop({ type: 'recentFiles' });
    expect(ipc.invoke).toHaveBeenLastCalledWith(IPC.desktop, { type: 'recentFiles' });
  });

  it('never rejects: a failed invoke becomes an INTERNAL result', async () => {
    ipc.invoke.mockRejectedValueOnce(new Error('no handler'));
    expect(await api.request({ type: 'list' })).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'list: no handler' },
    });
  });

  it('gives listeners the payload only, and every subscription an unsubscribe', () => {
    const seen: unknown[] = [];
    const stop = api.subscribe((e) => seen.push(e));
    const stopActions = api.onAction((a) => seen.push(a));
    fromMain(IPC.event, { type: 'labState', lab: 'p2p', state: 'running' });
    fromMain(IPC.action, { name: 'save' });
    fromMain(IPC.action, { name: 7 }); // not an action: dropped
    expect(seen).toEqual([{ type: 'labState', lab: 'p2p', state: 'running' }, { name: 'save' }]);
    stop();
    stop();
    stopActions();
    expect(ipc.emitter.listenerCount(IPC.event) + ipc.emitter.listenerCount(IPC.action)).toBe(0);
    fromMain(IPC.event, { type: 'labState', lab: 'p2p', state: 'stopped' });
    expect(seen).toHaveLength(2);
  });
});
