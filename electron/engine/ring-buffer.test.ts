import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSOLE_BUFFER, RingBuffer } from './ring-buffer';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('RingBuffer', () => {
  it('defaults to 1 MiB', () => {
    expect(new RingBuffer().capacity).toBe(DEFAULT_CONSOLE_BUFFER);
    expect(DEFAULT_CONSOLE_BUFFER).toBe(1 << 20);
  });

  it('reads everything back while under capacity', () => {
    const r = new RingBuffer(16);
    expect(r.append(b('hello '))).toBe(0);
    expect(r.append(b('world'))).toBe(6);
    expect(r.read()).toMatchObject({ seq: 0, end: 11, truncated: false });
    expect(r.read().data.toString()).toBe('hello world');
    expect(r.read(6).data.toString()).toBe('world');
  });

  it('keeps the newest bytes and reports truncation', () => {
    const r = new RingBuffer(8);
    r.append(b('abcdef'));
    r.append(b('ghijk'));
    expect(r.start).toBe(3);
    const all = r.read(0);
    expect(all).toMatchObject({ seq: 3, end: 11, truncated: true });
    expect(all.data.toString()).toBe('defghijk');
    expect(r.read(3)).toMatchObject({ truncated: false });
    expect(r.read(9).data.toString()).toBe('jk');
  });

  it('keeps the tail of a chunk larger than the capacity', () => {
    const r = new RingBuffer(4);
    r.append(b('xy'));
    r.append(b('0123456789'));
    expect(r.read(0).data.toString()).toBe('6789');
    expect(r.end).toBe(12);
  });

  it('clamps a sequence number from the future to the end', () => {
    const r = new RingBuffer(4);
    r.append(b('ab'));
    expect(r.read(10)).toMatchObject({ seq: 2, end: 2, truncated: false });
    expect(r.read(10).data.length).toBe(0);
  });

  it('gives subscribers each chunk with its sequence number until unsubscribed', () => {
    const r = new RingBuffer(4);
    const got: [string, number][] = [];
    const off = r.subscribe((chunk, seq) => got.push([chunk.toString(), seq]));
    r.append(b('ab'));
    r.append(new Uint8Array([99, 100, 101, 102, 103]));
    r.append(b(''));
    off();
    r.append(b('zz'));
    expect(got).toEqual([
      ['ab', 0],
      ['cdefg', 2],
    ]);
  });

  it('dispose drops subscribers', () => {
    const r = new RingBuffer(4);
    let n = 0;
    r.subscribe(() => n++);
    r.dispose();
    r.append(b('a'));
    expect(n).toBe(0);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });

  it('property: reading from any seq returns exactly the still-buffered suffix of all appended bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 10 }),
        (capacity, chunks, reads) => {
          const r = new RingBuffer(capacity);
          const all: number[] = [];
          for (const chunk of chunks) {
            expect(r.append(chunk)).toBe(all.length);
            all.push(...chunk);
            for (const raw of reads) {
              const from = raw % (all.length + 5);
              const got = r.read(from);
              const start = Math.max(0, all.length - capacity);
              const seq = Math.min(Math.max(from, start), all.length);
              expect(got.seq).toBe(seq);
              expect(got.end).toBe(all.length);
              expect(got.truncated).toBe(from < start);
              expect([...got.data]).toEqual(all.slice(seq));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
