import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectControl } from './control-client';
import { fakeEngine } from '../testkit/control-fake';
import { controlKeyPath, controlSocketPath } from './control-socket';
import { startEngineHost } from './engine-host';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-host-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('startEngineHost', () => {
  it('serves the engine at <stateDir>/engine-<pid>.sock behind its key; dispose closes the socket, then the engine', async () => {
    const engine = fakeEngine();
    const host = await startEngineHost({ stateDir: dir, createEngine: () => engine, exitsAfterStop: true });
    const path = controlSocketPath(dir);
    expect([host.control?.path, host.controlError]).toEqual([path, null]);
    expect(statSync(controlKeyPath(path)).mode & 0o777).toBe(0o600);
    const c = await connectControl(path);
    if (!c.ok) throw new Error(c.error.message);
    expect(await c.client.hello).toEqual({ protocol: 1, pid: process.pid, exitsAfterStop: true });
    expect(await c.client.request({ type: 'list' })).toEqual({ ok: true, labs: [] });
    await Promise.all([host.dispose(), host.dispose()]);
    await c.client.closed;
    expect(engine.disposed).toBe(true);
    expect([existsSync(path), existsSync(controlKeyPath(path))]).toEqual([false, false]);
  });

  it('runs the engine alone when the socket cannot listen, unless the socket is required', async () => {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const alone = fakeEngine();
    const host = await startEngineHost({ stateDir: open, createEngine: () => alone });
    expect(host.control).toBeNull();
    expect(host.controlError).toContain(`the state directory ${open} is writable by anyone`);
    expect(alone.disposed).toBe(false);
    await host.dispose();
    expect(alone.disposed).toBe(true);

    const required = fakeEngine();
    await expect(
      startEngineHost({ stateDir: open, createEngine: () => required, requireControl: true }),
    ).rejects.toThrow('writable by anyone');
    expect(required.disposed).toBe(true);
  });
});
