import type { WebContents } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineRequest, Result } from '../../shared/api';
import { IPC } from '../../shared/desktop-api';
import { fakeEngine, type FakeEngine } from '../testkit/control-fake';
import { fake, FakeWebContents, invokeEvent } from '../testkit/electron-fake';
import { checkDesktopRequest, checkEngineRequest, IpcManager } from './ipc';

vi.mock('electron', async () => (await import('../testkit/electron-fake')).fake.module);

let engine: FakeEngine;
let ipc: IpcManager;
let page: FakeWebContents;
const desktop = vi.fn(async (): Promise<Result> => ({ ok: true }));

beforeEach(() => {
  ipc?.dispose();
  engine = fakeEngine();
  ipc = new IpcManager(engine, desktop);
  ipc.initialize();
  page = new FakeWebContents();
  ipc.attach(page as unknown as WebContents);
});

const call = (channel: string, payload: unknown, from: FakeWebContents = page, frame?: { url: string } | null) =>
  fake.handlers.get(channel)!(
    frame === undefined ? invokeEvent(from) : invokeEvent(from, frame),
    payload,
  ) as Promise<Result>;
const events = (p = page) => p.sent.filter((s) => s.channel === IPC.event).map((s) => s.payload);

const SOURCE = { kind: 'yaml', text: 'version: 1\n' } as const;
const EVERY_REQUEST: EngineRequest[] = [
  { type: 'preflight', source: SOURCE },
  { type: 'launch', source: SOURCE, options: { isolation: 'netns' } },
  { type: 'stop', lab: 'p2p' },
  { type: 'status', lab: 'p2p' },
  { type: 'list' },
  { type: 'logs', lab: 'p2p' },
  { type: 'consoleSubscribe', lab: 'p2p', vm: 'a', fromSeq: 0 },
  { type: 'consoleUnsubscribe', subscription: 's1' },
  { type: 'consoleInput', lab: 'p2p', vm: 'a', data: 'ping\n' },
  { type: 'consoleRead', lab: 'p2p', vm: 'a', fromSeq: 5 },
];

describe('qnet:request', () => {
  it('routes every request type of the contract to the engine and returns its Result unchanged', async () => {
    for (const request of EVERY_REQUEST) {
      const answer = { ok: true, echo: request.type, nested: { n: 1 } } as Result;
      engine.on(request.type, () => answer);
      expect(await call(IPC.request, request)).toBe(answer);
    }
    expect(engine.requests).toEqual(EVERY_REQUEST);
  });

  it('passes failed results through as they are', async () => {
    const failed = { ok: false, error: { code: 'LAB_NOT_FOUND', message: 'no lab "x"' } } as const;
    engine.on('stop', () => failed);
    expect(await call(IPC.request, { type: 'stop', lab: 'x' })).toBe(failed);
  });

  it.each([
    ['nothing', undefined],
    ['a string', 'list'],
    ['an array', [{ type: 'list' }]],
    ['an unknown type', { type: 'rm -rf' }],
    ['a missing lab', { type: 'stop' }],
    ['a bad source', { type: 'launch', source: { kind: 'url', url: 'http://x' } }],
    ['a negative offset', { type: 'consoleRead', lab: 'l', vm: 'v', fromSeq: -1 }],
    ['a prototype key', { type: 'constructor' }],
  ])('answers INVALID_REQUEST to %s without reaching the engine', async (_what, payload) => {
    const r = await call(IPC.request, payload);
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(engine.requests).toEqual([]);
  });

  it('accepts requests from our page’s main frame only', async () => {
    const refused = {
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'requests are accepted from the Qnet Studio page only' },
    };
    expect(await call(IPC.request, { type: 'list' }, page, { url: 'qnet-app://studio/index.html' })).toEqual(refused); // a subframe
    expect(await call(IPC.request, { type: 'list' }, page, null)).toEqual(refused); // frame gone
    const navigated = new FakeWebContents('https://example.com/');
    ipc.attach(navigated as unknown as WebContents);
    expect(await call(IPC.request, { type: 'list' }, navigated)).toEqual(refused);
    expect(await call(IPC.request, { type: 'list' }, new FakeWebContents())).toEqual(refused); // not attached
    expect(engine.requests).toEqual([]);
    expect(await call(IPC.request, { type: 'list' })).toEqual({ ok: true, labs: [] });
  });

  it('turns an engine that throws into an INTERNAL result', async () => {
    engine.on('list', () => {
      throw new Error('bug');
    });
    expect(await call(IPC.request, { type: 'list' })).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'the engine failed on list: bug' },
    });
  });
});

describe('qnet:event', () => {
  it('forwards lab events to every page', () => {
    const other = new FakeWebContents();
    ipc.attach(other as unknown as WebContents);
    const e = { type: 'labState', lab: 'p2p', state: 'running' } as const;
    engine.emit(e);
    expect(events()).toEqual([e]);
    expect(events(other)).toEqual([e]);
  });

  it('sends console output only to a page subscribed to that guest, once however many subscriptions it holds', async () => {
    const other = new FakeWebContents();
    ipc.attach(other as unknown as WebContents);
    let n = 0;
    engine.on('consoleSubscribe', () => ({
      ok: true,
      subscription: `s${++n}`,
      seq: 0,
      end: 0,
      backlog: '',
      truncated: false,
    }));
    engine.on('consoleUnsubscribe', () => ({ ok: true }));
    await call(IPC.request, { type: 'consoleSubscribe', lab: 'p2p', vm: 'a' });
    await call(IPC.request, { type: 'consoleSubscribe', lab: 'p2p', vm: 'a' });
    const chunk = { type: 'console', lab: 'p2p', vm: 'a', seq: 0, end: 3, data: 'hi\n' } as const;
    engine.emit(chunk); // once, however many subscriptions the page holds
    engine.emit({ ...chunk, vm: 'b' });
    expect(events()).toEqual([chunk]);
    expect(events(other)).toEqual([]);
    await call(IPC.request, { type: 'consoleUnsubscribe', subscription: 's1' });
    await call(IPC.request, { type: 'consoleUnsubscribe', subscription: 's2' });
    engine.emit({ ...chunk, seq: 3, end: 6 });
    expect(events()).toHaveLength(1);
  });

  it('ends a page’s console subscriptions when it reloads or goes away', async () => {
    engine.on('consoleSubscribe', () => ({
      ok: true,
      subscription: 'sub-1',
      seq: 0,
      end: 0,
      backlog: '',
      truncated: false,
    }));
    engine.on('consoleUnsubscribe', () => ({ ok: true }));
    await call(IPC.request, { type: 'consoleSubscribe', lab: 'p2p', vm: 'a' });
    page.emit('did-start-navigation', { isMainFrame: false, isSameDocument: false });
    page.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true });
    expect(engine.requests.map((r) => r.type)).toEqual(['consoleSubscribe']);
    page.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
    expect(engine.requests.at(-1)).toEqual({ type: 'consoleUnsubscribe', subscription: 'sub-1' });
    await call(IPC.request, { type: 'consoleSubscribe', lab: 'p2p', vm: 'a' });
    page.destroy();
    expect(engine.requests.at(-1)).toEqual({ type: 'consoleUnsubscribe', subscription: 'sub-1' });
    engine.emit({ type: 'labState', lab: 'p2p', state: 'stopped' });
    expect(events()).toEqual([]);
  });

  it('drops a subscription answered after its page reloaded, instead of keeping it for the new page', async () => {
    let answer: () => void = () => {};
    const late = { ok: true, subscription: 'late', seq: 0, end: 0, backlog: '', truncated: false } as const;
    engine.on('consoleSubscribe', () => new Promise((r) => (answer = () => r(late))));
    engine.on('consoleUnsubscribe', () => ({ ok: true }));
    const subscribing = call(IPC.request, { type: 'consoleSubscribe', lab: 'p2p', vm: 'a' });
    await vi.waitFor(() => expect(engine.requests).toHaveLength(1));
    page.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
    answer();
    await subscribing;
    await vi.waitFor(() =>
      expect(engine.requests.at(-1)).toEqual({ type: 'consoleUnsubscribe', subscription: 'late' }),
    );
    engine.emit({ type: 'console', lab: 'p2p', vm: 'a', seq: 0, end: 3, data: 'hi\n' });
    expect(events()).toEqual([]);
  });

  it('stops listening to the engine and removes its handlers on dispose', () => {
    expect(engine.listeners()).toBe(1);
    ipc.dispose();
    expect(engine.listeners()).toBe(0);
    expect(fake.handlers.has(IPC.request)).toBe(false);
    expect(fake.handlers.has(IPC.desktop)).toBe(false);
    ipc = new IpcManager(engine, desktop); // for the next beforeEach's dispose
  });
});

describe('qnet:desktop and qnet:action', () => {
  it('holds actions until the page says it listens, then sends them directly', async () => {
    ipc.sendAction({ name: 'openPath', path: '/home/u/lab.qnet.yaml' }, page as unknown as WebContents);
    expect(page.sent).toEqual([]);
    expect(await call(IPC.desktop, { type: 'ready' })).toEqual({
      ok: true,
      actions: [{ name: 'openPath', path: '/home/u/lab.qnet.yaml' }],
    });
    ipc.sendAction({ name: 'save' }, page as unknown as WebContents);
    expect(page.sent).toEqual([{ channel: IPC.action, payload: { name: 'save' } }]);
    page.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
    ipc.sendAction({ name: 'new' }, page as unknown as WebContents);
    expect(page.sent).toHaveLength(1);
    expect(await call(IPC.desktop, { type: 'ready' })).toEqual({ ok: true, actions: [{ name: 'new' }] });
  });

  it('sends an action to the one page named; a page gone is detached and refused', async () => {
    const other = new FakeWebContents();
    ipc.attach(other as unknown as WebContents);
    ipc.attach(other as unknown as WebContents); // attaching twice changes nothing
    await call(IPC.desktop, { type: 'ready' });
    await call(IPC.desktop, { type: 'ready' }, other);
    ipc.sendAction({ name: 'save' }, other as unknown as WebContents);
    expect(other.sent).toEqual([{ channel: IPC.action, payload: { name: 'save' } }]);
    expect(page.sent).toEqual([]);
    other.destroy();
    ipc.sendAction({ name: 'save' }, other as unknown as WebContents); // no throw on a destroyed page
    engine.emit({ type: 'labState', lab: 'p2p', state: 'running' });
    expect(events()).toHaveLength(1);
    expect(await call(IPC.request, { type: 'list' }, other)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
  });

  it('passes valid desktop requests to the file manager, refuses the rest', async () => {
    await call(IPC.desktop, { type: 'saveFile', text: 'x', path: '/a.qnet.yaml' });
    expect(desktop).toHaveBeenLastCalledWith({ type: 'saveFile', text: 'x', path: '/a.qnet.yaml' }, page);
    expect(await call(IPC.desktop, { type: 'readFile' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
    expect(await call(IPC.desktop, { type: 'readFile', path: '/etc/passwd' }, page, null)).toMatchObject({ ok: false });
  });
});

describe('request checks', () => {
  it('accepts every request of the contract', () => {
    for (const r of EVERY_REQUEST) expect(checkEngineRequest(r)).toEqual({ ok: true, value: r });
  });
  it('refuses data JSON cannot carry', () => {
    const cyclic: Record<string, unknown> = { type: 'list' };
    cyclic.self = cyclic;
    expect(checkEngineRequest(cyclic)).toEqual({ ok: false, message: 'a request must be plain JSON data' });
  });
  it('checks desktop requests', () => {
    expect(checkDesktopRequest({ type: 'documentState', dirty: true, path: null }).ok).toBe(true);
    expect(checkDesktopRequest({ type: 'documentState', dirty: 'yes', path: null }).ok).toBe(false);
    expect(checkDesktopRequest({ type: 'saveFileAs', text: 1 }).ok).toBe(false);
    expect(checkDesktopRequest({ type: 'openFile', purpose: 'import' }).ok).toBe(true);
    expect(checkDesktopRequest({ type: 'openFile', purpose: 'elsewhere' }).ok).toBe(false);
    expect(checkDesktopRequest({ type: 'editText', op: 'paste' }).ok).toBe(true);
    expect(checkDesktopRequest({ type: 'editText', op: 'executeJavaScript' }).ok).toBe(false);
    expect(checkDesktopRequest({ type: 'editText' }).ok).toBe(false);
    expect(checkDesktopRequest({ type: 'menuState', enabled: { undo: false, stop: true } }).ok).toBe(true);
    expect(checkDesktopRequest({ type: 'menuState', enabled: { undo: 'no' } }).ok).toBe(false);
    expect(checkDesktopRequest({ type: 'menuState', enabled: [] }).ok).toBe(false);
    expect(checkDesktopRequest({ type: 'saveFile', text: '', path: 3 }).ok).toBe(false);
    expect(checkDesktopRequest({ type: 'format' }).ok).toBe(false);
    expect(checkDesktopRequest(null).ok).toBe(false);
  });
});
