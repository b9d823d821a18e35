import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { EngineEvent } from '../../shared/api';
import { createWebSocketEngine } from '../../renderer/api/engine';
import { fakeEngine, fakeLab, type FakeEngine } from '../testkit/control-fake';
import { startServer, type RunningServer } from './server';

let root = '';
let server: RunningServer;
let engine: FakeEngine;
const open: WebSocket[] = [];

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'qnet-ws-'));
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  engine = fakeEngine();
  engine.on('list', () => ({ ok: true, labs: [fakeLab('p2p', '/tmp/s')] }));
  engine.on('consoleSubscribe', () => ({
    ok: true,
    subscription: 'console-1',
    seq: 0,
    end: 5,
    backlog: 'boot\n',
    truncated: false,
  }));
  engine.on('consoleUnsubscribe', () => ({ ok: true }));
  server = await startServer({ port: 0, host: '127.0.0.1', root, routes: {}, engine });
});

/** The server started again on its port with its token, as a restarted `qnet serve` keeps the open pages. */
function serveAgain(): Promise<RunningServer> {
  return startServer({ port: server.port, host: '127.0.0.1', root, routes: {}, engine, token: server.token });
}
afterEach(async () => {
  for (const ws of open.splice(0)) ws.terminate();
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const wsUrl = () => `ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`;

/** The page's own client (renderer/api/engine.ts) on this server, retrying fast. */
function pageEngine(more: Partial<Parameters<typeof createWebSocketEngine>[0]> = {}) {
  return createWebSocketEngine({
    url: wsUrl(),
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    retryMs: 20,
    ...more,
  });
}

/** A raw client: every parsed message it received, and a way to wait for one. */
async function client(): Promise<{
  ws: WebSocket;
  messages: unknown[];
  next: (pred: (m: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
}> {
  const ws = new WebSocket(wsUrl(), { origin: `http://127.0.0.1:${server.port}` });
  open.push(ws);
  const messages: Record<string, unknown>[] = [];
  const waiters: { pred: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] =
    [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as Record<string, unknown>;
    messages.push(m);
    for (const w of [...waiters]) {
      if (!w.pred(m)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  await new Promise((r) => ws.once('open', r));
  return {
    ws,
    messages,
    next: (pred) =>
      new Promise((resolve) => {
        const seen = messages.find(pred);
        if (seen) return resolve(seen);
        waiters.push({ pred, resolve });
      }),
  };
}

describe('/api/ws carries the engine', () => {
  it('answers requests with results, validates lines, and pushes events to every tab that asked', async () => {
    const a = await client();
    const b = await client();
    expect(await a.next((m) => 'hello' in m)).toMatchObject({ hello: { protocol: 1 } });
    a.ws.send(JSON.stringify({ id: 1, request: { type: 'list' } }));
    expect(await a.next((m) => m.id === 1)).toMatchObject({ result: { ok: true, labs: [{ lab: 'p2p' }] } });
    a.ws.send(JSON.stringify({ id: 2, request: { type: 'stop' } }));
    expect(await a.next((m) => m.id === 2)).toMatchObject({
      result: { ok: false, error: { code: 'INVALID_REQUEST' } },
    });
    a.ws.send('not json');
    expect(await a.next((m) => m.id === null)).toMatchObject({
      result: { ok: false, error: { code: 'INVALID_REQUEST' } },
    });
    for (const c of [a, b]) {
      c.ws.send(JSON.stringify({ id: 'e', events: true }));
      await c.next((m) => m.id === 'e');
    }
    const event: EngineEvent = { type: 'vmState', lab: 'p2p', vm: 'server', state: { state: 'starting' } };
    engine.emit(event);
    expect(await a.next((m) => 'event' in m)).toEqual({ event });
    expect(await b.next((m) => 'event' in m)).toEqual({ event });
    const sw: EngineEvent = { type: 'switchState', lab: 'p2p', node: 'sw', state: { state: 'running', pid: 7 } };
    engine.emit(sw);
    expect(await a.next((m) => 'event' in m && (m.event as EngineEvent).type === 'switchState')).toEqual({ event: sw });
  });

  it('sends console bytes only to the tab that subscribed, and drops its subscription when it goes', async () => {
    const a = await client();
    const b = await client();
    a.ws.send(JSON.stringify({ id: 1, request: { type: 'consoleSubscribe', lab: 'p2p', vm: 'server' } }));
    expect(await a.next((m) => m.id === 1)).toMatchObject({
      result: { ok: true, subscription: 'console-1', backlog: 'boot\n' },
    });
    engine.emit({ type: 'console', lab: 'p2p', vm: 'server', seq: 5, end: 8, data: 'ok\n' });
    expect(await a.next((m) => 'event' in m)).toMatchObject({ event: { type: 'console', data: 'ok\n' } });
    await new Promise((r) => setTimeout(r, 50));
    expect(b.messages.filter((m) => typeof m === 'object' && m !== null && 'event' in m)).toEqual([]);
    a.ws.close();
    await expect.poll(() => engine.requests.some((r) => r.type === 'consoleUnsubscribe')).toBe(true);
  });

  it('the page client reconnects after a drop and asks for events again', async () => {
    const page = pageEngine();
    try {
      let connects = 0;
      page.onConnect(() => connects++);
      const events: EngineEvent[] = [];
      page.subscribe((e) => events.push(e));
      const r = await page.request({ type: 'list' });
      expect(r.ok && r.labs.map((l) => l.lab)).toEqual(['p2p']);
      await expect.poll(() => connects).toBe(1);
      const sub = await page.request({ type: 'consoleSubscribe', lab: 'p2p', vm: 'server' });
      expect(sub.ok).toBe(true);
      // Drop every connection from the server side: the client comes back and re-subscribes from byte 5.
      const before = engine.requests.filter((x) => x.type === 'consoleSubscribe').length;
      await server.close();
      server = await serveAgain();
      await expect.poll(() => connects, { timeout: 5000 }).toBe(2);
      const again = engine.requests.filter((x) => x.type === 'consoleSubscribe');
      expect(again.length).toBe(before + 1);
      expect(again.at(-1)).toMatchObject({ fromSeq: 5 });
      engine.emit({ type: 'labState', lab: 'p2p', state: 'stopping' });
      await expect.poll(() => events.some((e) => e.type === 'labState')).toBe(true);
    } finally {
      page.close();
    }
  });

  it('while the server is gone a request fails at once with DISCONNECTED, the status says so, and it counts retries', async () => {
    const page = pageEngine({ maxRetryMs: 40, tokenRefused: async () => false });
    try {
      const states: string[] = [];
      page.onStatus((s) => states.push(s.state));
      expect(page.status().state).toBe('connecting');
      expect((await page.request({ type: 'list' })).ok).toBe(true);
      await expect.poll(() => page.status().state).toBe('connected');
      await server.close();
      await expect.poll(() => page.status().state).toBe('disconnected');
      const r = await page.request({ type: 'list' });
      expect(r).toMatchObject({ ok: false, error: { code: 'DISCONNECTED' } });
      await expect.poll(() => (page.status() as { attempts?: number }).attempts ?? 0).toBeGreaterThan(1);
      server = await serveAgain();
      await expect.poll(() => page.status().state, { timeout: 5000 }).toBe('connected');
      expect((await page.request({ type: 'list' })).ok).toBe(true);
      expect(states[0]).toBe('connected');
      expect(states).toContain('disconnected');
    } finally {
      page.close();
    }
  });

  it('after a reconnect the page gets what it missed of a guest once, however many consoles it holds on it', async () => {
    const page = pageEngine();
    try {
      let connects = 0;
      page.onConnect(() => connects++);
      const events: EngineEvent[] = [];
      page.subscribe((e) => events.push(e));
      await expect.poll(() => connects).toBe(1);
      let n = 0;
      engine.on('consoleSubscribe', (r) =>
        r.fromSeq
          ? { ok: true, subscription: `again-${++n}`, seq: 5, end: 8, backlog: 'ok\n', truncated: false }
          : { ok: true, subscription: `first-${++n}`, seq: 0, end: 5, backlog: 'boot\n', truncated: false },
      );
      for (let i = 0; i < 2; i++)
        expect((await page.request({ type: 'consoleSubscribe', lab: 'p2p', vm: 'server' })).ok).toBe(true);
      await server.close();
      server = await serveAgain();
      await expect.poll(() => connects, { timeout: 5000 }).toBe(2);
      expect(engine.requests.filter((x) => x.type === 'consoleSubscribe').slice(-2)).toMatchObject([
        { fromSeq: 5 },
        { fromSeq: 8 },
      ]);
      expect(events.filter((e) => e.type === 'console')).toEqual([
        { type: 'console', lab: 'p2p', vm: 'server', seq: 5, end: 8, data: 'ok\n' },
      ]);
    } finally {
      page.close();
    }
  });
});
