import { describe, expect, it } from 'vitest';
import { ConsoleFeed, type ConsoleChunk } from './console-feed';

const chunk = (seq: number, data: string): ConsoleChunk => ({
  seq,
  end: seq + new TextEncoder().encode(data).length,
  data,
});

describe('ConsoleFeed', () => {
  it('delivers the backlog, then the events that waited for it and follow it, then live events', () => {
    const got: ConsoleChunk[] = [];
    const feed = new ConsoleFeed((c) => got.push(c));
    feed.event(chunk(0, 'boot\n')); // before the subscription: in the backlog
    feed.event(chunk(9, '$ ')); // after it, but before its answer came
    expect(got).toEqual([]);
    feed.answer({ seq: 2, end: 9, backlog: 'ot\nébé' });
    feed.event(chunk(11, 'ls'));
    expect(got).toEqual([{ seq: 2, end: 9, data: 'ot\nébé' }, chunk(9, '$ '), chunk(11, 'ls')]);
  });

  it('delivers nothing for an empty backlog', () => {
    const got: ConsoleChunk[] = [];
    const feed = new ConsoleFeed((c) => got.push(c));
    feed.answer({ seq: 7, end: 7, backlog: '' });
    feed.event(chunk(7, 'x'));
    expect(got).toEqual([chunk(7, 'x')]);
  });
});
