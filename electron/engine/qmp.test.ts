import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QmpClient } from './qmp';

const GREETING =
  '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}\r\n';

type Handler = (cmd: { execute: string; id?: string; arguments?: unknown }, sock: Socket) => void;

let dir: string;
let path: string;
let server: Server | null;
const sockets = new Set<Socket>();

/** A fake QMP server: sends the greeting (unless told not to), answers capabilities, hands other commands to `handler`. */
function serve(handler: Handler, opts: { greeting?: string | null } = {}): Promise<void> {
  server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    if (opts.greeting !== null) sock.write(opts.greeting ?? GREETING);
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const cmd = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (cmd.execute === 'qmp_capabilities') sock.write(`{"return": {}, "id": ${JSON.stringify(cmd.id)}}\r\n`);
        else handler(cmd, sock);
      }
    });
  });
  return new Promise((resolve) => server!.listen(path, resolve));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-qmp-'));
  path = join(dir, 'q.sock');
  server = null;
});

afterEach(async () => {
  for (const s of sockets) s.destroy();
  if (server) await new Promise((r) => server!.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('QmpClient', () => {
  it('negotiates capabilities and correlates replies by id, even out of order', async () => {
    const held: { id?: string }[] = [];
    await serve((cmd, sock) => {
      held.push(cmd);
      if (held.length === 2) {
        // Answer the second first.
        sock.write(`{"return": {"n": 2}, "id": ${JSON.stringify(held[1]!.id)}}\r\n`);
        sock.write(`{"return": {"n": 1}, "id": ${JSON.stringify(held[0]!.id)}}\r\n`);
      }
    });
    const c = await QmpClient.connect(path, { deadlineMs: 2000 });
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.value.greeting?.version.qemu.major).toBe(7);
    const [a, b] = await Promise.all([c.value.execute('first'), c.value.execute('second')]);
    expect(a).toEqual({ ok: true, value: { n: 1 } });
    expect(b).toEqual({ ok: true, value: { n: 2 } });
    c.value.close();
  });

  it('handles partial lines and several messages in one chunk, delivering events to subscribers', async () => {
    await serve((cmd, sock) => {
      const reply = `{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}}\r\n{"return": {}, "id": ${JSON.stringify(cmd.id)}}\r\n{"event": "RESUME"}\r\n`;
      // Split mid-object and mid multi-byte character boundaries: one byte at a time for the first part.
      const bytes = Buffer.from(reply);
      for (let i = 0; i < 20; i++) sock.write(bytes.subarray(i, i + 1));
      sock.write(bytes.subarray(20));
    });
    const c = await QmpClient.connect(path);
    if (!c.ok) throw new Error(c.error.message);
    const events: string[] = [];
    const off = c.value.subscribe((e) => events.push(e.event));
    const resumed = c.value.waitEvent((e) => e.event === 'RESUME', 2000);
    expect(await c.value.execute('stop')).toEqual({ ok: true, value: {} });
    expect((await resumed).ok).toBe(true);
    expect(events).toEqual(['STOP', 'RESUME']);
    off();
    c.value.close();
  });

  it('returns QEMU errors as typed results with their class', async () => {
    await serve((cmd, sock) =>
      sock.write(
        `{"id": ${JSON.stringify(cmd.id)}, "error": {"class": "CommandNotFound", "desc": "The command nope has not been found"}}\n`,
      ),
    );
    const c = await QmpClient.connect(path);
    if (!c.ok) throw new Error(c.error.message);
    const r = await c.value.execute('nope');
    expect(r).toEqual({
      ok: false,
      error: { code: 'COMMAND_FAILED', class: 'CommandNotFound', message: 'nope: The command nope has not been found' },
    });
    c.value.close();
  });

  it('times out a command without a reply and ignores the late reply', async () => {
    let late: (() => void) | null = null;
    await serve((cmd, sock) => {
      if (cmd.execute === 'slow') late = () => sock.write(`{"return": {}, "id": ${JSON.stringify(cmd.id)}}\n`);
      else sock.write(`{"return": 42, "id": ${JSON.stringify(cmd.id)}}\n`);
    });
    const c = await QmpClient.connect(path, { commandTimeoutMs: 2000 });
    if (!c.ok) throw new Error(c.error.message);
    const r = await c.value.execute('slow', undefined, { timeoutMs: 50 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('TIMEOUT');
    late!();
    expect(await c.value.execute('fast')).toEqual({ ok: true, value: 42 });
    c.value.close();
  });

  it('retries until the socket appears', async () => {
    const pending = QmpClient.connect(path, { deadlineMs: 5000, retryMs: 10 });
    setTimeout(() => void serve(() => {}), 100);
    const c = await pending;
    expect(c.ok).toBe(true);
    if (c.ok) c.value.close();
  });

  it('gives up at the deadline with CONNECT_TIMEOUT', async () => {
    const t0 = Date.now();
    const c = await QmpClient.connect(path, { deadlineMs: 150, retryMs: 20 });
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error.code).toBe('CONNECT_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('stops connecting when aborted', async () => {
    const ac = new AbortController();
    const pending = QmpClient.connect(path, { deadlineMs: 10_000, retryMs: 20, signal: ac.signal });
    setTimeout(() => ac.abort('process exited'), 50);
    const c = await pending;
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error.code).toBe('ABORTED');
  });

  it('reports a missing greeting', async () => {
    await serve(() => {}, { greeting: null });
    const c = await QmpClient.connect(path, { commandTimeoutMs: 100 });
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error.code).toBe('NO_GREETING');
  });

  it('resolves pending commands with CLOSED when the server goes away, and refuses new ones', async () => {
    await serve((_cmd, sock) => sock.destroy());
    const c = await QmpClient.connect(path);
    if (!c.ok) throw new Error(c.error.message);
    let closed = false;
    c.value.onClose(() => (closed = true));
    const r = await c.value.execute('quit');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('CLOSED');
    expect(closed).toBe(true);
    expect(c.value.closed).toBe(true);
    const again = await c.value.execute('query-status');
    expect(again.ok).toBe(false);
  });

  it('close() resolves commands in flight', async () => {
    await serve(() => {});
    const c = await QmpClient.connect(path);
    if (!c.ok) throw new Error(c.error.message);
    const r = c.value.execute('hang');
    c.value.close();
    expect((await r).ok).toBe(false);
  });
});
