/**
 * The console of a guest that is a host process with its console on standard input and output (a User-mode Linux
 * instance's `con0=fd:0,fd:1`): its output is the log file the supervisor points stdout at, read from where it ended
 * when the process was started; its input is the FIFO it holds open as stdin. Unlike QEMU's chardev nothing is lost
 * while no one reads, so there is nothing to reconnect: the file is followed until the attachment is disposed.
 */
import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import type { ConsoleResult } from './console';
import type { RingBuffer } from './ring-buffer';

export interface StdioConsoleOptions {
  /** The file the process writes its console to (its stdout). */
  readonly log: string;
  /** The FIFO the process reads as its stdin. */
  readonly input: string;
  readonly buffer: RingBuffer;
  /** How often the log is read for new bytes. */
  readonly pollMs?: number;
}

const CHUNK = 64 * 1024;

/** Follows a process's console log into a ring buffer and writes input to its stdin FIFO. */
export class StdioConsoleAttachment {
  private offset = 0;
  private timer: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(private readonly options: StdioConsoleOptions) {}

  /** Starts following the log from its current end (the process's earlier runs are not this console's). */
  start(): void {
    if (this.timer !== null || this.disposed) return;
    this.offset = this.size() ?? 0;
    this.timer = setInterval(() => this.poll(), this.options.pollMs ?? 50);
    this.timer.unref();
  }

  /** Types `data` into the process's stdin; fails while no process holds the FIFO. */
  write(data: string | Uint8Array): ConsoleResult {
    const { input } = this.options;
    if (this.disposed) return this.notConnected();
    let fd: number;
    try {
      // O_NONBLOCK: opening a FIFO nobody reads fails (ENXIO) instead of waiting for a reader that is gone.
      fd = openSync(input, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch {
      return this.notConnected();
    }
    try {
      if (!fstatSync(fd).isFIFO()) return this.notConnected();
      writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      return { ok: true };
    } catch (err) {
      return {
        ok: false,
        error: { code: 'CONSOLE_NOT_CONNECTED', message: `cannot write to ${input}: ${(err as Error).message}` },
      };
    } finally {
      closeSync(fd);
    }
  }

  /** Reads what is left, then stops following. */
  dispose(): void {
    if (this.disposed) return;
    this.poll();
    this.disposed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private size(): number | null {
    try {
      const fd = openSync(this.options.log, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      try {
        return fstatSync(fd).size;
      } finally {
        closeSync(fd);
      }
    } catch {
      return null;
    }
  }

  private poll(): void {
    if (this.disposed) return;
    let fd: number;
    try {
      fd = openSync(this.options.log, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      return; // not created yet
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.offset = 0; // truncated: a new file under the same name
      while (this.offset < size) {
        const buf = Buffer.alloc(Math.min(CHUNK, size - this.offset));
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        this.options.buffer.append(buf.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
  }

  private notConnected(): ConsoleResult {
    return {
      ok: false,
      error: { code: 'CONSOLE_NOT_CONNECTED', message: `the console input ${this.options.input} is not open` },
    };
  }
}
