/**
 * A guest's console as a client follows it: the answer to its `consoleSubscribe`, then the console events that go
 * on from there (api.ts). A client listens to events before it asks, so nothing falls between the two; this joins
 * them: events that arrive before the answer wait for it, and those that start before the backlog's end are
 * already in it. After the answer, every event of the guest is the next piece of its console.
 */
import type { EngineEvent, EngineResponses } from './api';

/** Console text and the bytes it decodes (a console event's, or a backlog's). */
export type ConsoleChunk = Pick<Extract<EngineEvent, { type: 'console' }>, 'seq' | 'end' | 'data'>;

/** Joins one subscription's backlog and the console events of its guest, delivering each piece once, in order. */
export class ConsoleFeed {
  private waiting: ConsoleChunk[] | null = [];

  constructor(private readonly deliver: (chunk: ConsoleChunk) => void) {}

  /** One console event of the guest (the caller picks the guest's). */
  event(chunk: ConsoleChunk): void {
    if (this.waiting) this.waiting.push(chunk);
    else this.deliver(chunk);
  }

  /** The subscription's answer: its backlog, then the events that waited for it and come after it. */
  answer(answer: Pick<EngineResponses['consoleSubscribe'], 'seq' | 'end' | 'backlog'>): void {
    const waiting = this.waiting ?? [];
    this.waiting = null;
    if (answer.backlog !== '') this.deliver({ seq: answer.seq, end: answer.end, data: answer.backlog });
    for (const chunk of waiting) if (chunk.seq >= answer.end) this.deliver(chunk);
  }
}
