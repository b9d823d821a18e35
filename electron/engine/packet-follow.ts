/**
 * A growing pcap decoded as it grows: one tshark per followed capture and display filter, reading the pcap from a
 * pipe we feed with the bytes added since the last ask, so each packet is dissected once, not on every ask as a
 * fresh `tshark -r` of the whole file does (tshark reads the pipe as a live capture, `-i -`). Its rows are kept here for the page to page through by frame number.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { PacketRow } from '../../shared/api';
import { packetArgs, packetRow, MAX_PACKET_ROWS, type PacketsRead } from './packets';
import { findProgram } from './which';

/** Rows kept per follower: older ones are dropped (the pcap keeps them all). */
const KEEP_ROWS = 100_000;
/** How long an ask waits for tshark to print the rows of the bytes just fed. */
const SETTLE_MS = 150;
const READ_CHUNK = 1 << 20;

export class PacketFollower {
  private readonly child: ChildProcess;
  private rows: PacketRow[] = [];
  private partial = '';
  private stderr = '';
  private fed = 0;
  private exited = false;
  private lastOutput = 0;
  private ended = false;

  private constructor(
    tshark: string,
    readonly file: string,
    readonly filter: string,
    env: NodeJS.ProcessEnv,
  ) {
    // `-i -`: a pcap fed live on stdin (`-r -` refuses the socket Node gives a child as its stdin).
    this.child = spawn(tshark, packetArgs(['-i', '-'], filter), {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdin!.on('error', () => {});
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => this.take(d));
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-4096)));
    this.child.on('exit', () => (this.exited = true));
  }

  /** A follower of `file` through `filter`, or null when tshark is not installed. */
  static start(file: string, filter: string, env: NodeJS.ProcessEnv): PacketFollower | null {
    const tshark = findProgram('tshark', env);
    return tshark ? new PacketFollower(tshark, file, filter, env) : null;
  }

  private take(text: string): void {
    this.lastOutput = Date.now();
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const row = packetRow(line);
      if (row) this.rows.push(row);
    }
    if (this.rows.length > KEEP_ROWS) this.rows = this.rows.slice(-KEEP_ROWS);
  }

  /** Feeds tshark what the pcap gained since the last call; with `last`, the file is complete and tshark ends. */
  private feed(last: boolean): void {
    if (this.ended) return;
    let fd: number | null = null;
    try {
      fd = openSync(this.file, constants.O_RDONLY | constants.O_NOFOLLOW);
      const size = fstatSync(fd).size;
      const buf = Buffer.alloc(READ_CHUNK);
      while (this.fed < size) {
        const n = readSync(fd, buf, 0, Math.min(READ_CHUNK, size - this.fed), this.fed);
        if (n <= 0) break;
        this.child.stdin!.write(Buffer.from(buf.subarray(0, n)));
        this.fed += n;
      }
    } catch {
      // A pcap that went or is not ours is read no further; the rows so far stay.
    } finally {
      if (fd !== null) closeSync(fd);
    }
    if (last) {
      this.ended = true;
      this.child.stdin!.end();
    }
  }

  /**
   * The rows above frame `after` tshark has printed so far (those of bytes fed now may come by the next ask, as a
   * live list polls); `complete`: the file has ended, and every row is there once tshark exits.
   */
  async read(after: number, complete: boolean): Promise<PacketsRead> {
    const before = this.fed;
    this.feed(complete);
    if (this.fed !== before || complete) await this.settle(complete);
    if (this.exited && this.rows.length === 0) {
      const problem = this.stderr.split('\n').find((l) => l.startsWith('tshark: '));
      if (problem) return { kind: 'bad-filter', message: problem.slice('tshark: '.length) };
    }
    const from = this.rows.findIndex((r) => r.no > after);
    const rows = from < 0 ? [] : this.rows.slice(from, from + MAX_PACKET_ROWS + 1);
    return { kind: 'rows', packets: rows.slice(0, MAX_PACKET_ROWS), more: rows.length > MAX_PACKET_ROWS };
  }

  /** Waits until tshark has been quiet a moment (or has exited, when the file is complete). */
  private async settle(complete: boolean): Promise<void> {
    const start = Date.now();
    this.lastOutput = Math.max(this.lastOutput, start);
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      if (this.exited) return;
      const quiet = Date.now() - this.lastOutput >= SETTLE_MS;
      if (!complete && quiet) return;
      if (Date.now() - start > (complete ? 30_000 : 2_000)) return;
    }
  }

  /** Ends tshark: SIGTERM, on which it removes its capture's temporary file; SIGKILL if it lingers. */
  stop(): void {
    this.ended = true;
    if (this.exited) return;
    this.child.kill('SIGTERM');
    setTimeout(() => this.exited || this.child.kill('SIGKILL'), 2000).unref();
  }

  /** Whether tshark has ended (its file complete, or stopped). */
  get done(): boolean {
    return this.exited;
  }
}
