/**
 * One guest's serial console: a client of QEMU's unix socket chardev (`server=on,wait=off`). Output goes into the
 * guest's ring buffer; input is written back. QEMU takes one client at a time and drops output while none is
 * connected (the chardev's logfile still gets it), so the attachment reconnects whenever the socket drops while
 * the guest runs.
 */
import type { Socket } from 'node:net';
import type { RingBuffer } from './ring-buffer';
import { connectUnix, pause } from './unix-socket';

export type ConsoleStatus = 'idle' | 'connecting' | 'connected' | 'gave-up' | 'disposed';

export type ConsoleResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly error: { readonly code: 'CONSOLE_NOT_CONNECTED' | 'TIMEOUT'; readonly message: string };
    };

export interface ConsoleOptions {
  /** The chardev's unix socket. */
  readonly path: string;
  readonly buffer: RingBuffer;
  /** How long each (re)connection keeps trying before the status becomes `gave-up`. */
  readonly connectDeadlineMs?: number;
  readonly retryMs?: number;
  /** Asked when the socket drops: reconnect only while the guest is still running. */
  readonly shouldReconnect?: () => boolean;
}

export class ConsoleAttachment {
  private socket: Socket | null = null;
  private state: ConsoleStatus = 'idle';
  private readonly abort = new AbortController();
  private readonly listeners = new Set<(status: ConsoleStatus) => void>();

  constructor(private readonly options: ConsoleOptions) {}

  /** The connection's state now. */
  get status(): ConsoleStatus {
    return this.state;
  }

  /** Starts connecting (retrying until the socket exists). */
  start(): void {
    if (this.state !== 'idle') return;
    void this.connectLoop();
  }

  /** Calls `listener` on every status change until the returned function is called. */
  onStatus(listener: (status: ConsoleStatus) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Resolves once connected, or with an error when it gave up, was disposed or the timeout passed. */
  waitConnected(timeoutMs: number): Promise<ConsoleResult> {
    if (this.state === 'connected') return Promise.resolve({ ok: true });
    return new Promise((resolve) => {
      const finish = (r: ConsoleResult) => {
        clearTimeout(timer);
        off();
        resolve(r);
      };
      const timer = setTimeout(
        () =>
          finish({
            ok: false,
            error: { code: 'TIMEOUT', message: `console ${this.options.path} not connected within ${timeoutMs} ms` },
          }),
        timeoutMs,
      );
      const off = this.onStatus((s) => {
        if (s === 'connected') finish({ ok: true });
        else if (s === 'gave-up' || s === 'disposed') finish(this.notConnected());
      });
    });
  }

  /** Writes input to the guest's serial port. */
  write(data: string | Uint8Array): ConsoleResult {
    const socket = this.socket;
    if (this.state !== 'connected' || socket === null) return this.notConnected();
    socket.write(data);
    return { ok: true };
  }

  /** Closes the connection for good. */
  dispose(): void {
    if (this.state === 'disposed') return;
    this.abort.abort('disposed');
    this.socket?.destroy();
    this.socket = null;
    this.setStatus('disposed');
    this.listeners.clear();
  }

  private notConnected(): ConsoleResult {
    return {
      ok: false,
      error: {
        code: 'CONSOLE_NOT_CONNECTED',
        message: `the console ${this.options.path} is not connected (${this.state})`,
      },
    };
  }

  private setStatus(status: ConsoleStatus): void {
    if (this.state === status || this.state === 'disposed') return;
    this.state = status;
    for (const listener of [...this.listeners]) listener(status);
  }

  private async connectLoop(): Promise<void> {
    const { path, connectDeadlineMs = 30_000, retryMs = 25 } = this.options;
    this.setStatus('connecting');
    const r = await connectUnix(path, { deadlineMs: connectDeadlineMs, retryMs, signal: this.abort.signal });
    if (this.abort.signal.aborted) {
      if (r.ok) r.value.destroy();
      return;
    }
    if (!r.ok) {
      this.setStatus('gave-up');
      return;
    }
    const socket = r.value;
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.options.buffer.append(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => void this.onDrop(socket));
    this.setStatus('connected');
  }

  private async onDrop(socket: Socket): Promise<void> {
    if (this.socket !== socket || this.abort.signal.aborted) return;
    this.socket = null;
    const again = this.options.shouldReconnect?.() ?? true;
    if (!again) {
      this.setStatus('gave-up');
      return;
    }
    this.setStatus('connecting');
    // A dropped chardev is usually back at once (QEMU re-listens); do not spin on a socket that refuses instantly.
    await pause(this.options.retryMs ?? 25, this.abort.signal);
    if (!this.abort.signal.aborted) await this.connectLoop();
  }
}
