import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProgram } from './which';
import { PacketFollower } from './packet-follow';

/** A pcap's global header (Ethernet), and one ICMP echo request (or an ARP request) as a record at second `i`. */
const HEADER = Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex');
function record(i: number, arp = false): Buffer {
  const eth = Buffer.from(`525400000002525400000001${arp ? '0806' : '0800'}`, 'hex');
  const body = arp
    ? Buffer.from('0001080006040001525400000001' + '0a000501' + '000000000000' + '0a000502', 'hex')
    : Buffer.concat([
        Buffer.from(
          `4500005400${(i & 0xff).toString(16).padStart(2, '0')}00004001` + '0000' + '0a000501' + '0a000502',
          'hex',
        ),
        Buffer.from(`0800000000010${(i & 0xfff).toString(16).padStart(3, '0')}`, 'hex'),
        Buffer.alloc(56, 0x78),
      ]);
  const data = Buffer.concat([eth, body]);
  const head = Buffer.alloc(16);
  head.writeUInt32LE(1000 + i, 0);
  head.writeUInt32LE(0, 4);
  head.writeUInt32LE(data.length, 8);
  head.writeUInt32LE(data.length, 12);
  return Buffer.concat([head, data]);
}

/** The rows' numbers and protocols a live follower has printed above `after`, once it has printed `n` of them. */
async function rowsOnce(f: PacketFollower, after: number, n: number): Promise<[number, string][]> {
  for (let i = 0; i < 100; i++) {
    const r = await f.read(after, false);
    if (r.kind === 'rows' && r.packets.length >= n) return r.packets.map((p) => [p.no, p.protocol]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`fewer than ${n} rows after ${after}`);
}

const dir = mkdtempSync('/tmp/qnet-follow-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const started: PacketFollower[] = [];
afterAll(() => started.forEach((f) => f.stop()));

describe('a growing pcap followed by one tshark', () => {
  // The follower is tshark itself: without it there is nothing to test, and CI must say so rather than skip.
  beforeAll(() => {
    if (findProgram('tshark') === null)
      throw new Error('tshark is not installed: run scripts/system-deps.sh (or apt-get install tshark)');
  });

  it('decodes only what was added since the last ask, through a display filter, until the file ends', async () => {
    const file = join(dir, 'a.pcap');
    writeFileSync(file, Buffer.concat([HEADER, record(0), record(1, true), record(2)]));
    const f = PacketFollower.start(file, 'icmp', process.env)!;
    started.push(f);
    expect(await rowsOnce(f, 0, 2)).toEqual([
      [1, 'ICMP'],
      [3, 'ICMP'],
    ]);
    // Half a record waits for its other half: tshark reads a pipe, not a file cut short.
    const next = record(3);
    appendFileSync(file, next.subarray(0, 20));
    const half = await f.read(3, false);
    expect(half.kind === 'rows' && half.packets).toEqual([]);
    appendFileSync(file, Buffer.concat([next.subarray(20), record(4, true), record(5)]));
    expect(await rowsOnce(f, 3, 2)).toEqual([
      [4, 'ICMP'],
      [6, 'ICMP'],
    ]);
    const end = await f.read(6, true);
    expect(end).toEqual({ kind: 'rows', packets: [], more: false });
    expect(f.done).toBe(true);
  });

  it('a display filter tshark refuses is said as tshark says it', async () => {
    const file = join(dir, 'b.pcap');
    writeFileSync(file, Buffer.concat([HEADER, record(0)]));
    const f = PacketFollower.start(file, 'icmp &&', process.env)!;
    started.push(f);
    const r = await f.read(0, true);
    expect(r.kind).toBe('bad-filter');
    expect(f.done).toBe(true);
  });
});
