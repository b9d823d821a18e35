import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { escapeOptValue, optHead, optValue, qopts, readOpts } from './qemuopts';

const pairsOf = (s: string, implied?: string) => readOpts(s, implied).map((i) => [i.key, i.value, i.form]);

describe('writing', () => {
  test('commas in values are doubled, undefined keys dropped', () => {
    expect(escapeOptValue('a,b')).toBe('a,,b');
    expect(
      qopts('user', [
        ['id', 'n0'],
        ['x', undefined],
        ['smb', '/a,b'],
      ]),
    ).toBe('user,id=n0,smb=/a,,b');
    expect(qopts('', [['file', 'x']])).toBe('file=x');
  });
});

describe('reading, as QemuOpts does', () => {
  test('the implied first key, pairs, a doubled comma inside a value', () => {
    expect(pairsOf('socket,id=c,path=/x,,y,z=1', 'type')).toEqual([
      ['type', 'socket', 'implied'],
      ['id', 'c', 'pair'],
      ['path', '/x,y', 'pair'],
      ['z', '1', 'pair'],
    ]);
    expect(pairsOf('type=user,id=n1', 'type')).toEqual([
      ['type', 'user', 'pair'],
      ['id', 'n1', 'pair'],
    ]);
    // An implied value is read like any value: a doubled comma does not end it, and `=` after it is kept.
    expect(pairsOf('a,,b=1,c=2', 'type')).toEqual([
      ['type', 'a,b=1', 'implied'],
      ['c', '2', 'pair'],
    ]);
  });
  test('a netdev with a hostfwd and a doubled comma (what preflight once parsed out of argv)', () => {
    expect(pairsOf('user,id=n,hostfwd=tcp:127.0.0.1:8080-:80,smb=/a,,b', 'type')).toEqual([
      ['type', 'user', 'implied'],
      ['id', 'n', 'pair'],
      ['hostfwd', 'tcp:127.0.0.1:8080-:80', 'pair'],
      ['smb', '/a,b', 'pair'],
    ]);
  });
  test('short-form booleans: a word is on, a `no` word is off', () => {
    expect(pairsOf('socket,id=c,path=/s,server,nowait', 'type')).toEqual([
      ['type', 'socket', 'implied'],
      ['id', 'c', 'pair'],
      ['path', '/s', 'pair'],
      ['server', 'on', 'flag'],
      ['wait', 'off', 'flag'],
    ]);
    // Without an implied key the first word is a flag too.
    expect(pairsOf('server,port=1')).toEqual([
      ['server', 'on', 'flag'],
      ['port', '1', 'pair'],
    ]);
  });
  test('offsets point at each item', () => {
    const s = 'user,id=n1,,x,hostfwd=tcp::1-:2';
    expect(readOpts(s, 'type').map((i) => s.slice(i.at, i.at + 3))).toEqual(['use', 'id=', 'hos']);
  });
  test('an empty value, a trailing comma, an empty string', () => {
    expect(pairsOf('tap,script=,', 'type')).toEqual([
      ['type', 'tap', 'implied'],
      ['script', '', 'pair'],
    ]);
    expect(readOpts('')).toEqual([]);
  });
});

const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,11}$/);
const value = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(',', ',,', '=', 'a,b', '', '=,='));
const head = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,12}$/);

describe('round trip: reading what the writer wrote gives back the head and the pairs', () => {
  test('readOpts ∘ qopts is the identity on (head, pairs)', () => {
    fc.assert(
      fc.property(head, fc.array(fc.tuple(key, value), { maxLength: 8 }), (h, pairs) => {
        const s = qopts(h, pairs);
        expect(pairsOf(s, 'type')).toEqual([['type', h, 'implied'], ...pairs.map(([k, v]) => [k, v, 'pair'])]);
      }),
      { numRuns: 3000 },
    );
  });
  test('without a head, every pair comes back', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 8 }), (pairs) => {
        expect(pairsOf(qopts('', pairs), 'type')).toEqual(pairs.map(([k, v]) => [k, v, 'pair']));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the fast look-ups agree with the reader', () => {
  const piece = fc.constantFrom(
    'id=',
    'netdev=',
    'type=',
    'id',
    'x',
    '=',
    ',',
    ',,',
    'a=b',
    'xid=',
    'netdev',
    'hubport',
    '',
  );
  const text = fc.array(piece, { maxLength: 10 }).map((p) => p.join(''));
  test('optValue is the first item written key=value', () => {
    fc.assert(
      fc.property(text, fc.constantFrom('id', 'netdev'), (s, k) => {
        expect(optValue(s, k)).toBe(readOpts(s).find((i) => i.form === 'pair' && i.key === k)?.value);
      }),
      { numRuns: 3000 },
    );
  });
  test('optHead is the implied value, or type= written out', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(optHead(s, 'type')).toBe(readOpts(s, 'type').find((i) => i.key === 'type' && i.form !== 'flag')?.value);
      }),
      { numRuns: 3000 },
    );
  });
});
