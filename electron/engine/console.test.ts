import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleAttachment } from './console';
import { RingBuffer } from './ring-buffer';

let dir: string;
let path: string;
let server: Server | null;
let clients: Socket[];
let received: string;
const attachments: ConsoleAttachment[] = [];

/** A stand-in for QEMU's chardev: a unix listener that records input and lets the test push output. */
function serve(): Promise<void> {
  server = createServer((sock) => {
    clients.push(sock);
    sock.on('data', (d) => (received += d.toString()));
    sock.on('error', () => {});
  });
  return new Promise((resolve) => server!.listen(path, resolve));
}

function attach(opts: Partial<ConstructorParameters<typeof ConsoleAttachment>[0]> = {}) {
  const buffer = new RingBuffer(1024);
  const a = new ConsoleAttachment({ path, buffer, retryMs: 10, connectDeadlineMs: 5000, ...opts });
  attachments.push(a);
  return { a, buffer };
}

async function until(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-con-'));
  path = join(dir, 'c.sock');
  server = null;
  clients = [];
  received = '';
});

afterEach(async () => {
  for (const a of attachments.splice(0)) a.dispose();
  for (const c of clients) c.destroy();
  if (server) await new Promise((r) => server!.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('ConsoleAttachment', () => {
  it('waits for the socket to appear, then feeds the ring buffer and writes input back', async () => {
    const { a, buffer } = attach();
    a.start();
    expect(a.status).toBe('connecting');
    expect(a.write('early').ok).toBe(false);
    await serve();
    expect(await a.waitConnected(3000)).toEqual({ ok: true });
    await until(() => clients.length === 1, 'the client');
    clients[0]!.write('login: ');
    clients[0]!.write(Buffer.from([0xc3, 0xa9, 0x0a]));
    await until(() => buffer.end === 10, 'console output');
    expect(buffer.read(0).data.toString()).toBe('login: é\n');
    expect(a.write('root\n')).toEqual({ ok: true });
    await until(() => received === 'root\n', 'input');
  });

  it('reconnects when the socket drops while the guest runs', async () => {
    await serve();
    const statuses: string[] = [];
    const { a, buffer } = attach({ shouldReconnect: () => true });
    a.onStatus((s) => statuses.push(s));
    a.start();
    await a.waitConnected(3000);
    await until(() => clients.length === 1, 'first client');
    clients[0]!.write('one ');
    await until(() => buffer.end === 4, 'first output');
    clients[0]!.destroy();
    await until(() => clients.length === 2, 'second client');
    await a.waitConnected(3000);
    clients[1]!.write('two');
    await until(() => buffer.end === 7, 'second output');
    expect(buffer.read(0).data.toString()).toBe('one two');
    expect(statuses).toEqual(['connecting', 'connected', 'connecting', 'connected']);
  });

  it('stops when the socket drops and the guest is gone', async () => {
    await serve();
    let running = true;
    const { a } = attach({ shouldReconnect: () => running });
    a.start();
    await a.waitConnected(3000);
    await until(() => clients.length === 1, 'client');
    running = false;
    clients[0]!.destroy();
    await until(() => a.status === 'gave-up', 'gave-up');
    expect(a.write('x').ok).toBe(false);
    expect(clients.length).toBe(1);
  });

  it('gives up at the deadline when the socket never appears', async () => {
    const { a } = attach({ connectDeadlineMs: 100 });
    a.start();
    const r = await a.waitConnected(3000);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('CONSOLE_NOT_CONNECTED');
    expect(a.status).toBe('gave-up');
  });

  it('dispose closes the connection and stops reconnecting', async () => {
    await serve();
    const { a } = attach();
    a.start();
    await a.waitConnected(3000);
    await until(() => clients.length === 1, 'client');
    let serverSawClose = false;
    clients[0]!.on('close', () => (serverSawClose = true));
    a.dispose();
    await until(() => serverSawClose, 'close on the server side');
    expect(a.status).toBe('disposed');
    expect(a.write('x').ok).toBe(false);
    expect(clients.length).toBe(1);
  });

  it('dispose while still connecting ends the retry loop', async () => {
    const { a } = attach();
    a.start();
    const waiting = a.waitConnected(3000);
    a.dispose();
    expect((await waiting).ok).toBe(false);
    await serve();
    expect(existsSync(path)).toBe(true);
    expect(clients.length).toBe(0);
  });
});
