import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/api';
import { connectControl, type ControlClient } from './control-client';
import { discoverLabs } from './control-discovery';
import { fakeEngine, fakeLab, type FakeEngine } from '../testkit/control-fake';
import { MAX_LINE, parseClientLine } from '../../shared/wire';
import { controlKeyPath, controlSocketPath, pidOfControlSocket } from './control-socket';
import { serveControl, type ControlServer } from './control-server';
import { JOURNAL_FILE } from './journal';
import { controlAuthLine } from '../testkit/engine';

let dir = '';
let engine: FakeEngine;
let server: ControlServer;
const clients: ControlClient[] = [];
const raws: Socket[] = [];

async function client(): Promise<ControlClient> {
  const c = await connectControl(server.path, { deadlineMs: 1_000 });
  if (!c.ok) throw new Error(c.error.message);
  clients.push(c.client);
  return c.client;
}

/** A raw connection: write lines, read parsed lines. */
async function raw(): Promise<{ send: (line: string) => void; next: () => Promise<Record<string, unknown>> }> {
  const socket = createConnection(server.path);
  raws.push(socket);
  await new Promise((r) => socket.once('connect', r));
  socket.write(controlAuthLine(server.path));
  const lines: Record<string, unknown>[] = [];
  const waiters: ((l: Record<string, unknown>) => void)[] = [];
  let buf = '';
  socket.on('data', (d) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
      buf = buf.slice(nl + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const next = () => new Promise<Record<string, unknown>>((r) => (lines.length ? r(lines.shift()!) : waiters.push(r)));
  expect(await next()).toEqual({ hello: { protocol: 1, pid: process.pid, exitsAfterStop: false } });
  return { send: (line) => socket.write(line), next };
}

/** Leaves a unix socket file at `path` that nobody listens on: its process was killed (SIGKILL, no cleanup). */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((r) => child.stdout.once('data', r));
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
  expect(statSync(path).isSocket()).toBe(true);
}

/** Resolves once `check` holds, polling; fails after 2 s. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 2 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-control-'));
  engine = fakeEngine();
  server = await serveControl(engine, controlSocketPath(dir));
});

afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  raws.splice(0).forEach((s) => s.destroy());
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('control protocol', () => {
  it('names one socket per engine process and reads the pid back', () => {
    expect(controlSocketPath('/run/qnet', 42)).toBe('/run/qnet/engine-42.sock');
    expect(pidOfControlSocket('/run/qnet/engine-42.sock')).toBe(42);
    expect(pidOfControlSocket('/run/qnet/lab/x.sock')).toBeNull();
  });

  it.each([
    ['{', null, 'not a JSON line'],
    ['[1]', null, 'JSON object'],
    ['{"request":{"type":"list"}}', null, 'needs an id'],
    ['{"id":3}', 3, 'needs a request'],
    ['{"id":"a","request":{"type":"frob"}}', 'a', 'unknown request type "frob"'],
    ['{"id":4,"request":{"type":"stop"}}', 4, 'needs a lab name'],
    ['{"id":5,"request":{"type":"consoleRead","lab":"l","vm":"v","fromSeq":-1}}', 5, 'fromSeq'],
    ['{"id":6,"request":{"type":"launch","source":{"kind":"yaml"}}}', 6, 'text'],
    ['{"id":7,"request":{"type":"toString"}}', 7, 'unknown request type'],
    ['{"id":8,"events":"yes"}', 8, 'true or false'],
    ['{"id":9,"request":{"type":"setLink","lab":"l","link":"w","up":"no"}}', 9, 'setLink needs up as true or false'],
    ['{"id":10,"request":{"type":"setLink","lab":"l","up":true}}', 10, 'setLink needs lab and link names'],
    ['{"id":11,"request":{"type":"captureStart","lab":"l"}}', 11, 'captureStart needs lab and link names'],
    ['{"id":12,"request":{"type":"captureStop","link":"w"}}', 12, 'captureStop needs lab and link names'],
    ['{"id":13,"request":{"type":"labSnapshot","lab":"l","action":"drop"}}', 13, 'action save, load, delete or list'],
    ['{"id":14,"request":{"type":"labSnapshot","lab":"l","action":"save"}}', 14, 'a snapshot name is 1 to 64'],
    ['{"id":15,"request":{"type":"labSnapshot","lab":"l","action":"load","name":"a b"}}', 15, 'a snapshot name'],
  ])('rejects %s', (line, id, message) => {
    const r = parseClientLine(line);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.id).toBe(id);
      expect(r.message).toContain(message);
    }
  });
});

describe('control server and client', () => {
  it('listens on a 0600 socket and removes it when closed', async () => {
    expect(statSync(server.path).mode & 0o777).toBe(0o600);
    await server.close();
    expect(existsSync(server.path)).toBe(false);
  });

  it('greets each client with who the engine is', async () => {
    expect(await (await client()).hello).toEqual({ protocol: 1, pid: process.pid, exitsAfterStop: false });
    await server.close();
    server = await serveControl(engine, controlSocketPath(dir), { exitsAfterStop: true });
    expect((await (await client()).hello)?.exitsAfterStop).toBe(true);
  });

  it('carries requests and results unchanged, matched by id even when answered out of order', async () => {
    const status = fakeLab('pair', join(dir, 'pair'));
    let release: () => void = () => {};
    const slow = new Promise<void>((r) => (release = r));
    engine.on('stop', async (r) => (await slow, { ok: true, lab: r.lab }));
    engine.on('status', () => ({ ok: true, status }));
    const c = await client();
    const stopping = c.request({ type: 'stop', lab: 'pair' });
    const s = await c.request({ type: 'status', lab: 'pair' });
    expect(s).toEqual({ ok: true, status });
    release();
    expect(await stopping).toEqual({ ok: true, lab: 'pair' });
    expect(engine.requests.map((r) => r.type)).toEqual(['stop', 'status']);
  });

  it('answers malformed lines with INVALID_REQUEST and keeps the connection', async () => {
    const r = await raw();
    r.send('not json\n');
    expect(await r.next()).toMatchObject({ id: null, result: { ok: false, error: { code: 'INVALID_REQUEST' } } });
    r.send('{"id":9,"request":{"type":"consoleInput","lab":"a","vm":"b"}}\n');
    expect(await r.next()).toMatchObject({
      id: 9,
      result: { ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringContaining('data') } },
    });
    r.send('{"id":10,"request":{"type":"list"}}\n');
    expect(await r.next()).toEqual({ id: 10, result: { ok: true, labs: [] } });
    expect(engine.requests).toHaveLength(1);
  });

  it('refuses a line longer than the limit without dying', async () => {
    await server.close();
    server = await serveControl(engine, controlSocketPath(dir), {});
    const r = await raw();
    r.send(`{"id":1,"request":{"type":"consoleInput","lab":"a","vm":"b","data":"${'x'.repeat(MAX_LINE + 1024)}"}}\n`);
    expect(await r.next()).toMatchObject({
      id: null,
      result: { ok: false, error: { code: 'INVALID_REQUEST', message: 'line too long' } },
    });
    r.send('{"id":2,"request":{"type":"list"}}\n');
    expect(await r.next()).toEqual({ id: 2, result: { ok: true, labs: [] } });
  });

  it('pushes events only to clients that subscribed, until they unsubscribe', async () => {
    const a = await client();
    const b = await client();
    const seen: EngineEvent[] = [];
    const off = a.subscribe((e) => seen.push(e));
    await a.request({ type: 'list' }); // the subscription line went first
    const event: EngineEvent = { type: 'labState', lab: 'pair', state: 'running' };
    const bSeen: EngineEvent[] = [];
    await b.request({ type: 'list' });
    engine.emit(event);
    await until(() => seen.length === 1);
    expect(seen).toEqual([event]);
    off();
    await a.request({ type: 'list' });
    engine.emit(event);
    b.subscribe((e) => bSeen.push(e));
    await b.request({ type: 'list' });
    engine.emit({ type: 'labState', lab: 'pair', state: 'stopping' });
    await until(() => bSeen.length === 1);
    expect(seen).toHaveLength(1);
    expect(bSeen[0]).toMatchObject({ state: 'stopping' });
  });

  it("carries a switch's state event as the engine sent it", async () => {
    const a = await client();
    const seen: EngineEvent[] = [];
    a.subscribe((e) => seen.push(e));
    await a.request({ type: 'list' });
    const crashed: EngineEvent = {
      type: 'switchState',
      lab: 'pair',
      node: 'sw',
      state: { state: 'crashed', exit: { code: null, signal: 'SIGKILL' }, stderrTail: 'gone\n' },
    };
    engine.emit({ type: 'switchState', lab: 'pair', node: 'sw', state: { state: 'running', pid: 42 } });
    engine.emit(crashed);
    await until(() => seen.length === 2);
    expect(seen).toEqual([
      { type: 'switchState', lab: 'pair', node: 'sw', state: { state: 'running', pid: 42 } },
      crashed,
    ]);
  });

  it('routes console events to the client holding the subscription, and drops it on disconnect', async () => {
    let n = 0;
    engine.on('consoleSubscribe', (r) => {
      // The engine streams as soon as it subscribed, before its answer is written.
      engine.emit({ type: 'console', lab: r.lab, vm: r.vm, seq: 5, end: 8, data: 'abc' });
      return { ok: true, subscription: `s${++n}`, seq: 0, end: 5, backlog: 'hello', truncated: false };
    });
    engine.on('consoleUnsubscribe', () => ({ ok: true }));
    const a = await client();
    const other = await client();
    const otherSeen: EngineEvent[] = [];
    other.subscribe((e) => otherSeen.push(e));
    const seen: EngineEvent[] = [];
    a.subscribe((e) => seen.push(e));
    const sub = await a.request({ type: 'consoleSubscribe', lab: 'pair', vm: 'server', fromSeq: 0 });
    expect(sub).toMatchObject({ ok: true, subscription: 's1', backlog: 'hello' });
    const chunk = { type: 'console', lab: 'pair', vm: 'server', seq: 8, end: 10, data: 'de' } as const;
    engine.emit(chunk);
    engine.emit({ ...chunk, vm: 'client' });
    await a.request({ type: 'list' });
    expect(seen.filter((e) => e.type === 'console').map((e) => (e as { data: string }).data)).toEqual(['abc', 'de']);
    await other.request({ type: 'list' });
    expect(otherSeen.filter((e) => e.type === 'console')).toEqual([]);
    a.close();
    await until(() => engine.requests.some((r) => r.type === 'consoleUnsubscribe'));
    expect(engine.requests.at(-1)).toEqual({ type: 'consoleUnsubscribe', subscription: 's1' });
  });

  it('answers requests in flight before closing, then the client reports the engine gone', async () => {
    let release: () => void = () => {};
    const slow = new Promise<void>((r) => (release = r));
    engine.on('stop', async (r) => (await slow, { ok: true, lab: r.lab }));
    const c = await client();
    const stopping = c.request({ type: 'stop', lab: 'pair' });
    await until(() => engine.requests.length === 1);
    const closing = server.close();
    release();
    expect(await stopping).toEqual({ ok: true, lab: 'pair' });
    await closing;
    await c.closed;
    const after = await c.request({ type: 'list' });
    expect(after).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringContaining('lost the engine') },
    });
  });

  it('closes after a bounded grace when a request hangs; the client then resolves it with an error', async () => {
    await server.close();
    server = await serveControl(engine, controlSocketPath(dir), { closeGraceMs: 50 });
    engine.on('stop', () => new Promise(() => {}));
    const c = await client();
    const stopping = c.request({ type: 'stop', lab: 'pair' });
    await until(() => engine.requests.length === 1);
    await server.close();
    expect(await stopping).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringContaining('lost the engine') },
    });
  });

  it('cuts off a client that stops reading while events pile up (bounded memory)', async () => {
    await server.close();
    server = await serveControl(engine, controlSocketPath(dir), { maxQueued: 64 * 1024 });
    const r = await raw();
    r.send('{"id":1,"events":true}\n');
    expect(await r.next()).toEqual({ id: 1, result: { ok: true } });
    raws[0]!.pause();
    const message = 'x'.repeat(10_000);
    for (let i = 0; i < 200 && server.connections() > 0; i++) {
      engine.emit({ type: 'log', lab: 'pair', level: 'info', topic: 'lab', message, time: i });
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => server.connections() === 0);
  });

  it('replaces a stale socket file nobody listens on, and refuses a live one', async () => {
    const path = join(dir, 'engine-1.sock');
    const live = createServer();
    await new Promise<void>((r) => live.listen(path, r));
    await expect(serveControl(engine, path)).rejects.toThrow(/cannot listen/);
    await new Promise((r) => live.close(r));
    await staleSocket(path);
    const again = await serveControl(engine, path);
    const c = await connectControl(path);
    expect(c.ok).toBe(true);
    if (c.ok) c.client.close();
    await again.close();
  });
});

describe('who is on the other end', () => {
  /** A raw connection that sends `first` (if any) and collects what the engine says until it closes or 500 ms pass. */
  async function rawSession(first: string | null, then: string): Promise<{ said: string; closed: boolean }> {
    const socket = createConnection(server.path);
    raws.push(socket);
    let said = '';
    let closed = false;
    socket.on('data', (d) => (said += d.toString()));
    socket.on('close', () => (closed = true));
    socket.on('error', () => {});
    await new Promise((r) => socket.once('connect', r));
    if (first !== null) socket.write(first);
    socket.write(then);
    const end = Date.now() + 500;
    while (!closed && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    return { said, closed };
  }

  it("serves a connection only once it sent the key only the engine's user can read; before that, nothing", async () => {
    const key = controlKeyPath(server.path);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    engine.on('list', () => ({ ok: true, labs: [] }));
    const list = '{"id":1,"request":{"type":"list"}}\n';
    expect(await rawSession(null, list)).toEqual({ said: '', closed: true });
    expect(await rawSession('{"auth":"0000"}\n', list)).toEqual({ said: '', closed: true });
    expect(await rawSession(`{"auth":"${'f'.repeat(64)}"}\n`, list)).toEqual({ said: '', closed: true });
    const ok = await rawSession(controlAuthLine(server.path), list);
    expect(ok.said).toContain('"hello"');
    expect(ok.said).toContain('"id":1,"result":{"ok":true,"labs":[]}');
    await server.close();
    expect(existsSync(key)).toBe(false);
  });

  /** A socket someone planted: it records what it is sent. */
  async function planted(path: string): Promise<{ received: () => string; close: () => Promise<void> }> {
    let received = '';
    const s = createServer((c) => c.on('data', (d) => (received += d.toString())));
    await new Promise<void>((r) => s.listen(path, r));
    return { received: () => received, close: () => new Promise((r) => s.close(() => r())) };
  }

  it.runIf(process.getuid?.() === 0)(
    "a client ignores a socket that is not the user's, and sends it nothing",
    async () => {
      const path = join(dir, 'engine-2.sock');
      const theirs = await planted(path);
      writeFileSync(controlKeyPath(path), 'k', { mode: 0o600 });
      chownSync(path, 65534, 65534);
      const c = await connectControl(path);
      expect(c).toEqual({
        ok: false,
        error: {
          code: 'NOT_TRUSTED',
          message: `${path} belongs to uid 65534, not to root: ignored (another user's socket is never used)`,
        },
      });
      const d = await discoverLabs(dir);
      d.close();
      expect(d.ignored).toEqual([{ socket: path, why: c.ok ? '' : c.error.message }]);
      expect(d.deadSockets).toEqual([]);
      expect(existsSync(path)).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      expect(theirs.received()).toBe('');
      await theirs.close();
    },
  );

  it("a client sends nothing to a socket in a directory others can write, or with no key of the user's", async () => {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const path = join(open, 'engine-3.sock');
    const theirs = await planted(path);
    const c = await connectControl(path);
    expect(c.ok).toBe(false);
    if (!c.ok)
      expect(c.error).toEqual({
        code: 'NOT_TRUSTED',
        message: `${path} is not used: the state directory ${open} is writable by anyone (mode 0777): chmod 700 ${open}`,
      });
    await expect(discoverLabs(open)).rejects.toThrow(`the state directory ${open} is writable by anyone`);
    chmodSync(open, 0o700);
    const keyless = await connectControl(path);
    expect(keyless.ok).toBe(false);
    if (!keyless.ok) expect(keyless.error.message).toBe(`${path} has no key file ${controlKeyPath(path)}: ignored`);
    symlinkSync(join(dir, 'elsewhere'), controlKeyPath(path));
    const linked = await connectControl(path);
    expect(linked.ok).toBe(false);
    if (!linked.ok)
      expect(linked.error.message).toBe(`${path} is ignored: its key ${controlKeyPath(path)} is a symlink: refused`);
    await new Promise((r) => setTimeout(r, 50));
    expect(theirs.received()).toBe('');
    await theirs.close();
  });
});

describe('discovery', () => {
  it('finds live engines and their labs, dead sockets, and stale labs with a journal', async () => {
    engine.on('list', () => ({ ok: true, labs: [fakeLab('pair', join(dir, 'pair'))] }));
    mkdirSync(join(dir, 'pair'));
    writeFileSync(join(dir, 'pair', JOURNAL_FILE), '');
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'old', JOURNAL_FILE), '');
    mkdirSync(join(dir, 'clean'));
    const dead = join(dir, 'engine-999999.sock');
    await staleSocket(dead);
    const d = await discoverLabs(dir, { removeDeadSockets: true });
    d.close();
    expect(d.engines.map((e) => [e.pid, e.labs.map((l) => l.lab)])).toEqual([[process.pid, ['pair']]]);
    expect(d.stale).toEqual([{ lab: 'old', stateDir: join(dir, 'old') }]);
    expect(d.deadSockets).toEqual([dead]);
    expect(existsSync(dead)).toBe(false);
  });
});
