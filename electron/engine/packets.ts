/**
 * A capture's packets as rows for the page's packet list, decoded by tshark (Wireshark's own dissectors; we decode
 * nothing ourselves): its Source, Destination, Protocol and Info columns, after a display filter. The pcap may still
 * be growing: a last packet cut short is tshark's to skip, not an error.
 */
import { execFile } from 'node:child_process';
import type { PacketRow } from '../../shared/api';
import { findProgram } from './which';

/** The most rows one answer carries; the page asks again from the last one. */
export const MAX_PACKET_ROWS = 1000;

const FIELDS = [
  'frame.number',
  'frame.time_relative',
  '_ws.col.Source',
  '_ws.col.Destination',
  '_ws.col.Protocol',
  '_ws.col.Info',
];

export type PacketsRead =
  | { readonly kind: 'rows'; readonly packets: PacketRow[]; readonly more: boolean }
  | { readonly kind: 'no-tshark' }
  | { readonly kind: 'bad-filter'; readonly message: string };

/** One tab-separated line of tshark's fields as a row, or null when it is not one. */
export function packetRow(line: string): PacketRow | null {
  const [no, time, source, destination, protocol, ...info] = line.split('\t');
  const n = Number(no);
  if (!Number.isInteger(n) || n < 1 || protocol === undefined) return null;
  return {
    no: n,
    time: Number(time) || 0,
    source: source ?? '',
    destination: destination ?? '',
    protocol,
    info: info.join('\t'),
  };
}

/** tshark's arguments that print the packets of `source` (`['-r', file]`, `['-i', '-']`) kept by `filter` as rows. */
export function packetArgs(source: readonly string[], filter: string): string[] {
  return [
    '-n',
    '-l',
    ...source,
    ...(filter === '' ? [] : ['-Y', filter]),
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'occurrence=f',
    ...FIELDS.flatMap((f) => ['-e', f]),
  ];
}

/** The packets of `file` numbered above `after` that `filter` (a Wireshark display filter, '' for all) keeps. */
export function readPackets(
  file: string,
  filter: string,
  after: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PacketsRead> {
  const tshark = findProgram('tshark', env);
  if (!tshark) return Promise.resolve({ kind: 'no-tshark' });
  const keep = filter.trim() === '' ? `frame.number > ${after}` : `(${filter}) && frame.number > ${after}`;
  const args = packetArgs(['-r', file], keep);
  return new Promise((resolve) => {
    execFile(tshark, args, { env, maxBuffer: 64 * 1024 * 1024, timeout: 30_000 }, (err, stdout, stderr) => {
      const rows = stdout
        .split('\n')
        .map(packetRow)
        .filter((r): r is PacketRow => r !== null);
      const problem = stderr
        .split('\n')
        .find((l) => l.startsWith('tshark: ') && !/cut short in the middle of a packet/.test(l));
      if (err && rows.length === 0 && problem)
        return resolve({ kind: 'bad-filter', message: problem.slice('tshark: '.length) });
      resolve({ kind: 'rows', packets: rows.slice(0, MAX_PACKET_ROWS), more: rows.length > MAX_PACKET_ROWS });
    });
  });
}
