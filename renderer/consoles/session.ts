/**
 * One guest console as the page holds it: subscribes through the engine contract from a byte offset (0 on first
 * open, so a late open or a reload shows the ring buffer's scrollback), writes the backlog, then the live
 * 'console' events for this lab+vm, joined by shared/console-feed.ts (events that arrive before the answer wait
 * for it). `position` is the offset after the last byte written: a session reopened on the same terminal goes on
 * from there.
 */
import type { EngineApi } from '../../shared/api';
import { ConsoleFeed, type ConsoleChunk } from '../../shared/console-feed';

/** Where a session's text goes (an xterm.js terminal in the app, an array in tests). */
export interface ConsoleSink {
  write(data: string): void;
  /** A line from the page itself (dropped scrollback, a failed subscription), shown dimmed. */
  notice(text: string): void;
}

export class ConsoleSession {
  /** Offset after the last byte written to the sink; -1 before the first backlog. */
  private end: number;
  private subscription: string | null = null;
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
    const feed = new ConsoleFeed((chunk) => this.write(chunk));
    this.off = this.engine.subscribe((e) => {
      if (e.type === 'console' && e.lab === this.lab && e.vm === this.vm && !this.closed) feed.event(e);
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
      this.sink.notice(`console unavailable: ${r.error.message}`);
      return false;
    }
    this.subscription = r.subscription;
    if (r.truncated && this.end < r.seq)
      this.sink.notice('… earlier output dropped (the console buffer keeps the latest bytes) …');
    feed.answer(r);
    return true;
  }

  private write(chunk: ConsoleChunk): void {
    this.end = chunk.end;
    if (chunk.data) this.sink.write(chunk.data);
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
