/** One guest's console as the lab keeps it: a ring buffer fed by a ConsoleAttachment, readable as text. */
import { StringDecoder } from 'node:string_decoder';
import type { ApiError } from '../../shared/api';
import { ConsoleAttachment, subscribeText, type ConsoleTextSubscription } from './console';
import { RingBuffer } from './ring-buffer';

export class VmConsole {
  readonly buffer: RingBuffer;
  private attachment: ConsoleAttachment | null = null;

  constructor(
    private readonly socket: string,
    capacity: number,
  ) {
    this.buffer = new RingBuffer(capacity);
  }

  /** Starts attaching to the chardev socket (retrying until QEMU creates it); call before or while QEMU spawns. */
  attach(shouldReconnect: () => boolean, connectDeadlineMs = 60_000): void {
    this.attachment?.dispose();
    this.attachment = new ConsoleAttachment({ path: this.socket, buffer: this.buffer, shouldReconnect, connectDeadlineMs });
    this.attachment.start();
  }

  /** Closes the connection; the buffered bytes stay readable. */
  detach(): void {
    this.attachment?.dispose();
    this.attachment = null;
  }

  /** Writes input to the guest's serial port. */
  write(data: string): { ok: true } | { ok: false; error: ApiError } {
    if (!this.attachment) return { ok: false, error: { code: 'CONSOLE_NOT_CONNECTED', message: `the console ${this.socket} is not attached` } };
    const r = this.attachment.write(data);
    return r.ok ? r : { ok: false, error: { code: r.error.code, message: r.error.message } };
  }

  /** The buffered bytes from `fromSeq` as text. */
  read(fromSeq: number): { data: string; seq: number; end: number; truncated: boolean } {
    const r = this.buffer.read(fromSeq);
    return { data: new StringDecoder('utf8').write(r.data), seq: r.seq, end: r.end, truncated: r.truncated };
  }

  /** The backlog from `fromSeq`, then every new chunk, as text. */
  subscribe(fromSeq: number, onChunk: (chunk: { seq: number; end: number; data: string }) => void): ConsoleTextSubscription {
    return subscribeText(this.buffer, fromSeq, onChunk);
  }

  /** Detaches and drops the buffer's subscribers. */
  dispose(): void {
    this.detach();
    this.buffer.dispose();
  }
}
