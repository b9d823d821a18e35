import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, openSync, closeSync, constants, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { RingBuffer } from './ring-buffer';
import { StdioConsoleAttachment } from './stdio-console';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until(what: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('StdioConsoleAttachment (a process console on a stdin FIFO and a stdout log)', () => {
  test('follows the log from where it ended and types into the FIFO a real process reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qnet-stdio-'));
    dirs.push(dir);
    const log = join(dir, 'g.console.log');
    const input = join(dir, 'g.console.in');
    appendFileSync(log, 'an earlier run\n');
    expect(spawnSync('mkfifo', ['-m', '600', input]).status).toBe(0);
    const buffer = new RingBuffer(4096);
    const att = new StdioConsoleAttachment({ log, input, buffer, pollMs: 10 });
    att.start();
    // Nobody holds the FIFO yet: input is refused, not queued or blocked on.
    expect(att.write('early\n')).toMatchObject({ ok: false, error: { code: 'CONSOLE_NOT_CONNECTED' } });

    const stdin = openSync(input, constants.O_RDWR);
    const out = openSync(log, constants.O_WRONLY | constants.O_APPEND);
    const child = spawn('sh', ['-c', 'echo ready; while read l; do echo "got $l"; done'], { stdio: [stdin, out, out] });
    closeSync(stdin);
    closeSync(out);
    try {
      await until(() => buffer.read(0).data.toString().includes('ready\n'));
      expect(att.write('hello\n')).toEqual({ ok: true });
      await until(() => buffer.read(0).data.toString().includes('got hello\n'));
      expect(buffer.read(0).data.toString()).toBe('ready\ngot hello\n');
    } finally {
      child.kill('SIGKILL');
      att.dispose();
    }
  });
});
