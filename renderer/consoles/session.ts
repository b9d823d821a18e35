/**
 * One guest console as the page holds it: subscribes through the engine contract from a byte offset (0 on first
 * open, so a late open or a reload shows the ring buffer's scrollback), writes the backlog, then the live
 * 'console' events for this lab+vm. `end` (the offset after the last byte written) makes a byte range reach the
 * terminal once, whatever the transport repeats; events that arrive before the subscription's answer wait for it.
 */
import type { EngineApi, EngineEvent } from '../../shared/api';

type ConsoleEvent = Extract<EngineEvent, { type: 'console' }>;

/** Where a session's text goes (an xterm.js terminal in the app, an array in tests). */
export interface ConsoleSink {
  write(data: string): void;
  /** A line from the page itself (dropped scrollback, a failed subscription), shown dimmed. */
  notice(text: string): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 length of `text`. */
export function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/** `text` without its first `bytes` UTF-8 bytes (a character cut in half is dropped whole). */
export function dropBytes(text: string, bytes: number): string {
  if (bytes <= 0) return text;
  const b = encoder.encode(text);
  let i = Math.min(bytes, b.length);
  while (i < b.length && (b[i]! & 0xc0) === 0x80) i++;
  return decoder.decode(b.subarray(i));
}

export class ConsoleSession {
  /** Offset after the last byte written to the sink; -1 before the first backlog. */
  private end: number;
  private subscription: string | null = null;
  private queued: ConsoleEvent[] | null = null;
  private off: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly engine: EngineApi,
    readonly lab: string,
    readonly vm: string,
    private readonly sink: ConsoleSink,
    /** Continue from here (a session reopened on the same terminal); -1 or absent: from the start. */
    fromEnd = -1,
  ) {
    this.end = fromEnd;
  }

  /** The offset after the last byte shown. */
  get position(): number {
    return this.end;
  }

  /** Subscribes; resolves false (after a notice) when the engine refused. */
  async open(): Promise<boolean> {
    this.queued = [];
    this.off = this.engine.subscribe((e) => {
      if (e.type === 'console' && e.lab === this.lab && e.vm === this.vm) this.onEvent(e);
    });
    const r = await this.engine.request({
      type: 'consoleSubscribe',
      lab: this.lab,
      vm: this.vm,
      fromSeq: Math.max(0, this.end),
    });
    if (this.closed) {
      if (r.ok) void this.engine.request({ type: 'consoleUnsubscribe', subscription: r.subscription });
      return false;
    }
    if (!r.ok) {
      this.off();
      this.off = null;
      this.queued = null;
      this.sink.notice(`console unavailable: ${r.error.message}`);
      return false;
    }
    this.subscription = r.subscription;
    if (r.truncated && this.end < r.seq)
      this.sink.notice('… earlier output dropped (the console buffer keeps the latest bytes) …');
    this.accept({
      type: 'console',
      lab: this.lab,
      vm: this.vm,
      seq: r.seq,
      end: r.seq + byteLength(r.backlog),
      data: r.backlog,
    });
    const queued = this.queued;
    this.queued = null;
    for (const e of queued) this.accept(e);
    return true;
  }

  private onEvent(e: ConsoleEvent): void {
    if (this.closed) return;
    if (this.queued) this.queued.push(e);
    else this.accept(e);
  }

  private accept(e: ConsoleEvent): void {
    if (e.end <= this.end) return;
    const data = this.end > e.seq ? dropBytes(e.data, this.end - e.seq) : e.data;
    this.end = e.end;
    if (data) this.sink.write(data);
  }

  /** Sends keystrokes to the guest. */
  async input(data: string): Promise<void> {
    if (this.closed) return;
    const r = await this.engine.request({ type: 'consoleInput', lab: this.lab, vm: this.vm, data });
    if (!r.ok && r.error.code !== 'NOT_RUNNING') this.sink.notice(`input not sent: ${r.error.message}`);
  }

  /** Stops the live feed (the text written so far stays with the sink). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.off?.();
    this.off = null;
    if (this.subscription) void this.engine.request({ type: 'consoleUnsubscribe', subscription: this.subscription });
    this.subscription = null;
  }
}
