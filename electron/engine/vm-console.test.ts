import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incompleteTail, VmConsole, type ConsoleText } from './vm-console';

/** A console with no chardev: the test appends to its buffer as the attachment would. */
function vmConsole(capacity = 1024) {
  const texts: ConsoleText[] = [];
  const console_ = new VmConsole({ socket: '/nonexistent/console.sock' }, capacity, (t) => texts.push(t));
  const append = (bytes: Uint8Array) => console_.buffer.append(bytes);
  return { console_, texts, append };
}

describe('VmConsole text stream', () => {
  it('gives the backlog from a seq, then live chunks, never splitting a UTF-8 character', () => {
    const { console_, texts, append } = vmConsole(8);
    append(Buffer.from('0123456789')); // 0 and 1 dropped
    const sub = console_.subscribe(0);
    expect(sub).toMatchObject({ seq: 2, end: 10, backlog: '23456789', truncated: true });
    const e = Buffer.from('é€'); // 2 + 3 bytes
    append(e.subarray(0, 1));
    append(e.subarray(1, 3));
    append(e.subarray(3));
    expect(texts).toEqual([
      { seq: 10, end: 12, data: 'é' },
      { seq: 12, end: 15, data: '€' },
    ]);
    sub.unsubscribe();
    append(Buffer.from('x'));
    expect(texts).toHaveLength(2);
  });

  it('emits each chunk once however many subscribe, and only while one does', () => {
    const { console_, texts, append } = vmConsole();
    append(Buffer.from('boot\n'));
    expect(texts).toEqual([]);
    const a = console_.subscribe(0);
    const b = console_.subscribe(3);
    expect([a.backlog, a.end, b.backlog, b.seq, b.end]).toEqual(['boot\n', 5, 't\n', 3, 5]);
    append(Buffer.from('$ '));
    expect(texts).toEqual([{ seq: 5, end: 7, data: '$ ' }]);
    a.unsubscribe();
    a.unsubscribe(); // twice changes nothing
    append(Buffer.from('ls'));
    expect(texts).toHaveLength(2);
    b.unsubscribe();
    append(Buffer.from('\n'));
    expect(texts).toHaveLength(2);
  });

  it('ends a backlog before a character that is not complete yet: the next chunk starts there', () => {
    const { console_, texts, append } = vmConsole();
    const euro = Buffer.from('€');
    append(Buffer.concat([Buffer.from('a'), euro.subarray(0, 2)]));
    const sub = console_.subscribe(0);
    expect(sub).toMatchObject({ seq: 0, end: 1, backlog: 'a' });
    expect(console_.read(0)).toEqual({ seq: 0, end: 1, data: 'a', truncated: false });
    append(euro.subarray(2));
    expect(texts).toEqual([{ seq: 1, end: 4, data: '€' }]);
    expect(console_.subscribe(sub.end)).toMatchObject({ seq: 1, end: 4, backlog: '€' });
  });

  it('hands every subscriber the same text, cut anywhere, in ranges that follow each other', () => {
    fc.assert(
      fc.property(
        // Characters of each UTF-8 length: 1 to 4 bytes.
        fc.array(fc.constantFrom('a', '\n', 'é', 'ß', '€', '✓', '😀'), { maxLength: 60 }).map((c) => c.join('')),
        fc.array(fc.nat(12), { maxLength: 12 }),
        fc.nat(70),
        (text, cuts, joinAt) => {
          const bytes = Buffer.from(text);
          const { console_, texts, append } = vmConsole(256);
          const at = Math.min(joinAt, bytes.length);
          let pos = 0;
          const feed = (until: number) => {
            for (const n of cuts) {
              if (pos >= until) break;
              const next = Math.min(until, pos + n + 1);
              append(bytes.subarray(pos, next));
              pos = next;
            }
            if (pos < until) append(bytes.subarray(pos, until));
            pos = until;
          };
          feed(at);
          const sub = console_.subscribe(0);
          feed(bytes.length);
          const follow = texts.every((t, i) => t.seq === (i === 0 ? sub.end : texts[i - 1]!.end));
          const exact = texts.every((t) => t.data === bytes.toString('utf8', t.seq, t.end));
          return follow && exact && sub.backlog + texts.map((t) => t.data).join('') === text;
        },
      ),
    );
  });

  it('finds the start of an unfinished character at the end of the bytes', () => {
    const euro = Buffer.from('€'); // e2 82 ac
    const smile = Buffer.from('😀'); // 4 bytes
    expect(incompleteTail(Buffer.from('ab'))).toBe(0);
    expect(incompleteTail(euro)).toBe(0);
    expect(incompleteTail(euro.subarray(0, 1))).toBe(1);
    expect(incompleteTail(euro.subarray(0, 2))).toBe(2);
    expect(incompleteTail(smile.subarray(0, 3))).toBe(3);
    expect(incompleteTail(Buffer.from([0x80, 0x80, 0x80]))).toBe(0); // stray continuations: decoded as they are
    expect(incompleteTail(Buffer.from([0xff]))).toBe(0);
  });
});
