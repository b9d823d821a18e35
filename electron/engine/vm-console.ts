/**
 * One guest's console as the lab keeps it: a ring buffer fed by a ConsoleAttachment, and one text stream of it.
 * The stream decodes each chunk once, whoever listens, and hands it to `onText` while at least one subscription
 * watches: a chunk becomes one console event of the lab, however many clients follow the guest. Text is cut at
 * character boundaries (a character split across chunks goes out whole with the next one), so `seq`/`end` are
 * exactly the bytes of `data` and a subscription's backlog ends where the next chunk's text starts.
 */
import type { ApiError } from '../../shared/api';
import { ConsoleAttachment } from './console';
import { RingBuffer } from './ring-buffer';
import { StdioConsoleAttachment } from './stdio-console';

/** Where a guest's console is: QEMU's unix socket chardev, or a process's stdout log and stdin FIFO (UML). */
export type ConsoleSource = { readonly socket: string } | { readonly log: string; readonly input: string };

/** Console text and the byte range it decodes. */
export interface ConsoleText {
  readonly seq: number;
  readonly end: number;
  readonly data: string;
}

/** A subscription: the text from the asked position to `end`, then chunks to `onText` until `unsubscribe`. */
export interface ConsoleSubscription {
  /** Where the backlog starts (later than asked when the buffer had dropped those bytes). */
  readonly seq: number;
  /** Where the backlog ends: the next chunk's text starts here. */
  readonly end: number;
  readonly backlog: string;
  readonly truncated: boolean;
  readonly unsubscribe: () => void;
}

/** How many bytes at the end of `bytes` are the start of a UTF-8 character that is not complete yet. */
export function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: its lead is further back
    const need = b >= 0xf0 && b < 0xf8 ? 4 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xc0 && b < 0xe0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

const NOTHING = Buffer.alloc(0);

export class VmConsole {
  readonly buffer: RingBuffer;
  private attachment: ConsoleAttachment | StdioConsoleAttachment | null = null;
  /** Offset after the last byte decoded into text; the bytes after it (at most 3) wait for their character's end. */
  private textEnd = 0;
  private pending: Buffer = NOTHING;
  private watchers = 0;

  constructor(
    private readonly source: ConsoleSource,
    capacity: number,
    /** Each chunk's text, once, while a subscription watches. */
    private readonly onText: (text: ConsoleText) => void = () => {},
  ) {
    this.buffer = new RingBuffer(capacity);
    this.buffer.subscribe((chunk) => this.decode(chunk));
  }

  /**
   * Starts attaching to the chardev socket (retrying until QEMU creates it), or following the process's console log;
   * call before or while the guest spawns.
   */
  attach(shouldReconnect: () => boolean, connectDeadlineMs = 60_000): void {
    this.attachment?.dispose();
    const { source, buffer } = this;
    this.attachment =
      'socket' in source
        ? new ConsoleAttachment({ path: source.socket, buffer, shouldReconnect, connectDeadlineMs })
        : new StdioConsoleAttachment({ log: source.log, input: source.input, buffer });
    this.attachment.start();
  }

  /** Closes the connection; the buffered bytes stay readable. */
  detach(): void {
    this.attachment?.dispose();
    this.attachment = null;
  }

  /** Writes input to the guest's serial port. */
  write(data: string): { ok: true } | { ok: false; error: ApiError } {
    if (!this.attachment)
      return {
        ok: false,
        error: {
          code: 'CONSOLE_NOT_CONNECTED',
          message: `the console ${'socket' in this.source ? this.source.socket : this.source.input} is not attached`,
        },
      };
    const r = this.attachment.write(data);
    return r.ok ? r : { ok: false, error: { code: r.error.code, message: r.error.message } };
  }

  /** The buffered text from `fromSeq` to where the stream's text ends. */
  read(fromSeq: number): { data: string; seq: number; end: number; truncated: boolean } {
    const r = this.buffer.read(Math.min(fromSeq, this.textEnd));
    const end = Math.max(r.seq, this.textEnd);
    return { data: r.data.toString('utf8', 0, end - r.seq), seq: r.seq, end, truncated: r.truncated };
  }

  /** The text from `fromSeq`, then every chunk's text to `onText` (once, however many subscribe) until unsubscribed. */
  subscribe(fromSeq: number): ConsoleSubscription {
    const { data, seq, end, truncated } = this.read(fromSeq);
    this.watchers++;
    let watching = true;
    const unsubscribe = () => {
      if (watching) this.watchers--;
      watching = false;
    };
    return { seq, end, backlog: data, truncated, unsubscribe };
  }

  /** Detaches and drops the buffer's subscribers. */
  dispose(): void {
    this.detach();
    this.buffer.dispose();
  }

  private decode(chunk: Buffer): void {
    const bytes = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const cut = bytes.length - incompleteTail(bytes);
    const seq = this.textEnd;
    this.textEnd += cut;
    this.pending = cut === bytes.length ? NOTHING : Buffer.from(bytes.subarray(cut));
    if (cut > 0 && this.watchers > 0) this.onText({ seq, end: this.textEnd, data: bytes.toString('utf8', 0, cut) });
  }
}
