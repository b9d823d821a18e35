import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QmpClient, type QmpEvent } from './qmp';
import { alive, pausedGuestArgv, until } from '../testkit/engine';

let dir: string;
let qemu: ChildProcess | null;
let client: QmpClient | null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-qmpq-'));
  const [bin, ...args] = pausedGuestArgv(dir, { name: 'qtest' });
  qemu = spawn(bin!, args, { stdio: 'ignore' });
  client = null;
});

afterEach(async () => {
  client?.close();
  const pid = qemu?.pid;
  if (pid !== undefined && alive(pid)) {
    qemu!.kill('SIGKILL');
    await until(() => !alive(pid), 'qemu to die');
  }
  rmSync(dir, { recursive: true, force: true });
  expect(existsSync(dir)).toBe(false);
});

async function connect(): Promise<QmpClient> {
  const r = await QmpClient.connect(join(dir, 'q.sock'), { deadlineMs: 10_000 });
  if (!r.ok) throw new Error(r.error.message);
  client = r.value;
  return r.value;
}

describe('QmpClient against a real paused QEMU', () => {
  it('connects right after spawn (retrying until the socket exists), reads the greeting and negotiates', async () => {
    const c = await connect();
    expect(c.greeting?.version.qemu).toMatchObject({ major: 7, minor: 2 });
    expect(c.greeting?.capabilities).toContain('oob');
  });

  it('query-status is prelaunch; query-name is the -name', async () => {
    const c = await connect();
    expect(await c.execute('query-status')).toMatchObject({ ok: true, value: { running: false, status: 'prelaunch' } });
    expect(await c.execute('query-name')).toEqual({ ok: true, value: { name: 'qtest' } });
  });

  it('an unknown command is a typed error with QEMU class CommandNotFound', async () => {
    const c = await connect();
    const r = await c.execute('no-such-command');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('COMMAND_FAILED');
    expect(r.error.class).toBe('CommandNotFound');
    expect(r.error.message).toMatch(/no-such-command/);
    // The session is still usable.
    expect((await c.execute('query-status')).ok).toBe(true);
  });

  it('bad arguments are a typed GenericError', async () => {
    const c = await connect();
    const r = await c.execute('set_link', { name: 'nonexistent-nic', up: false });
    expect(r).toMatchObject({ ok: false, error: { code: 'COMMAND_FAILED', class: 'DeviceNotFound' } });
  });

  it('delivers RESUME after cont and STOP after stop', async () => {
    const c = await connect();
    const events: QmpEvent[] = [];
    const off = c.subscribe((e) => events.push(e));
    const resumed = c.waitEvent((e) => e.event === 'RESUME', 5000);
    expect((await c.execute('cont')).ok).toBe(true);
    expect((await resumed).ok).toBe(true);
    expect(await c.execute('query-status')).toMatchObject({ ok: true, value: { running: true, status: 'running' } });
    const stopped = c.waitEvent((e) => e.event === 'STOP', 5000);
    expect((await c.execute('stop')).ok).toBe(true);
    const stop = await stopped;
    expect(stop.ok && stop.value.timestamp?.seconds).toBeGreaterThan(0);
    expect(events.map((e) => e.event)).toEqual(['RESUME', 'STOP']);
    off();
  });

  it('quit ends QEMU; the session reports closed, and QEMU removes its sockets', async () => {
    const c = await connect();
    let closed = false;
    c.onClose(() => (closed = true));
    const r = await c.execute('quit');
    // The reply may or may not beat the socket closing.
    expect(r.ok || (!r.ok && r.error.code === 'CLOSED')).toBe(true);
    await until(() => closed, 'close');
    await until(() => !alive(qemu!.pid!), 'qemu exit');
    expect(existsSync(join(dir, 'q.sock'))).toBe(false);
    expect(existsSync(join(dir, 'c.sock'))).toBe(false);
  });
});
