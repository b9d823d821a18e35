// The engine's console path alone: a unix socket server floods bytes as fast as the kernel takes them (standing in
// for QEMU's chardev server) into a VmConsole (socket -> ring buffer -> text subscriber, as the engine runs it).
// Separates what the engine can carry from what a guest's emulated UART can produce.
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VmConsole } from '../electron/engine/vm-console';

export interface PipelineFigures {
  readonly mbps: number;
  readonly bytes: number;
  readonly rssGrowthMB: number;
}

/** Floods a VmConsole for `seconds` and measures what reaches one subscriber. */
export async function benchConsolePipeline(seconds = 3): Promise<PipelineFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'qnet-console-'));
  const path = join(dir, 'console.sock');
  const chunk = Buffer.alloc(64 * 1024, 'qnet-flood-0123456789abcdefghijklmnopqrstuvwxyz\r\n');
  let flooding = true;
  const server = createServer((socket) => {
    socket.on('error', () => {}); // the console detaching mid-flood ends the connection
    const pump = () => {
      while (flooding && socket.write(chunk));
      if (flooding) socket.once('drain', pump);
      else socket.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  let bytes = 0;
  const console_ = new VmConsole({ socket: path }, 1024 * 1024, (c) => (bytes += c.end - c.seq));
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 20);
  const sub = console_.subscribe(0);
  const t0 = performance.now();
  console_.attach(() => false);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  flooding = false;
  const elapsed = (performance.now() - t0) / 1000;
  const delivered = bytes;
  clearInterval(sampler);
  sub.unsubscribe();
  console_.dispose();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
  return { mbps: delivered / elapsed / 1e6, bytes: delivered, rssGrowthMB: (rssMax - rss0) / 1e6 };
}
