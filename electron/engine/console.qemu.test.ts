import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleAttachment } from './console';
import { RingBuffer } from './ring-buffer';
import { ProcessSupervisor } from './supervisor';
import { alive, pausedGuestPlan, until } from '../testkit/engine';

let dir: string;
let vm: ProcessSupervisor | null;
let con: ConsoleAttachment | null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-conq-'));
  vm = null;
  con = null;
});

afterEach(async () => {
  con?.dispose();
  const pid = vm?.pid ?? null;
  if (pid !== null && alive(pid)) process.kill(pid, 'SIGKILL');
  await vm?.dispose();
  if (pid !== null) await until(() => !alive(pid), 'qemu to die');
  rmSync(dir, { recursive: true, force: true });
});

const text = (b: RingBuffer) => b.read(0).data.toString('utf8');

describe('ConsoleAttachment on a real QEMU serial chardev', () => {
  it('attaches while QEMU starts, writes input and reads the answer (HMP muxed on the console), also logged to the logfile', async () => {
    const buffer = new RingBuffer(64 * 1024);
    vm = new ProcessSupervisor({
      plan: pausedGuestPlan(dir, { name: 'conguest', hmpOnConsole: true }),
      netns: null,
      stopTimeouts: { powerdownMs: 200 },
    });
    const running = () => vm?.state === 'running' || vm?.state === 'starting';
    // Attach before the socket exists: the attachment retries until QEMU creates it.
    con = new ConsoleAttachment({ path: join(dir, 'c.sock'), buffer, shouldReconnect: running, retryMs: 10 });
    con.start();
    const started = await vm.start();
    expect(started.ok).toBe(true);
    expect(await con.waitConnected(10_000)).toEqual({ ok: true });

    expect(con.write('\x01c').ok).toBe(true); // Ctrl-A c: the mux switches to the monitor
    await until(() => text(buffer).includes('(qemu)'), 'the monitor prompt');
    expect(con.write('info name\r').ok).toBe(true);
    await until(() => /\r\nconguest\r\n/.test(text(buffer)), 'the answer to info name');
    expect(buffer.read(0).truncated).toBe(false);
    // The chardev's logfile records the same stream, attached or not.
    await until(() => readFileSync(join(dir, 'c.log'), 'utf8').includes('conguest'), 'the logfile');

    const stopped = await vm.stop();
    expect(stopped).toMatchObject({ ok: true });
    await until(() => con!.status === 'gave-up', 'the console to notice the guest is gone');
    expect(con.write('x')).toMatchObject({ ok: false, error: { code: 'CONSOLE_NOT_CONNECTED' } });
  });

  it('the console can be attached again after the first client leaves', async () => {
    vm = new ProcessSupervisor({
      plan: pausedGuestPlan(dir, { hmpOnConsole: true }),
      netns: null,
      stopTimeouts: { powerdownMs: 200 },
    });
    expect((await vm.start()).ok).toBe(true);
    const first = new RingBuffer(4096);
    con = new ConsoleAttachment({ path: join(dir, 'c.sock'), buffer: first });
    con.start();
    expect((await con.waitConnected(10_000)).ok).toBe(true);
    con.write('\x01c');
    await until(() => text(first).includes('(qemu)'), 'the first prompt');
    con.dispose();

    const second = new RingBuffer(4096);
    con = new ConsoleAttachment({ path: join(dir, 'c.sock'), buffer: second });
    con.start();
    expect((await con.waitConnected(10_000)).ok).toBe(true);
    con.write('info status\r');
    await until(() => /VM status: paused \(prelaunch\)/.test(text(second)), 'info status on the re-attached console');
  });
});
