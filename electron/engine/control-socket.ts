/**
 * The control socket: the wire of shared/wire.ts over a unix socket, JSON lines, so other `qnet` invocations
 * (status, console, down), the web server and a second window reach a running engine.
 *
 * Each engine process listens at `<stateDir>/engine-<pid>.sock` (mode 0600, in a directory of its user's alone,
 * state-dir.ts): one socket per engine, not per lab, because one engine (the desktop app) may run several labs and
 * can be asked to launch more. Clients find engines by listing `engine-*.sock` and asking each for its `list`.
 *
 * Who is on the other end. Node has no SO_PEERCRED, so each side proves its user through the file system:
 * - the engine writes a random key to `engine-<pid>.key` (0600, O_EXCL, never through a link) beside its socket,
 *   and serves a connection only once its first line is `{"auth": KEY}` (nothing, not even the hello, before): only
 *   a process that can read that file (the engine's user, or root) gets in, whatever the socket file's mode, the
 *   namespace, or a mistake in a directory's permissions;
 * - a client uses a socket only when its directory is the user's alone, and the socket and the key file are the
 *   user's own: a socket someone else planted is ignored (and reported), and the key never sent to it.
 *
 * client → server   {"auth": "KEY"}                    (first line of every connection, then shared/wire.ts)
 */
import { StringDecoder } from 'node:string_decoder';
import { basename, join } from 'node:path';
import { MAX_LINE } from '../../shared/wire';

/** The control socket of the engine running as `pid` under a base state directory. */
export function controlSocketPath(stateDir: string, pid: number = process.pid): string {
  return join(stateDir, `engine-${pid}.sock`);
}

/** The key file beside a control socket (see the file comment). */
export function controlKeyPath(socket: string): string {
  return socket.replace(/\.sock$/, '.key');
}

/** How long a connection may take to send its key line before the engine drops it. */
export const AUTH_TIMEOUT_MS = 5_000;

/** The engine pid in a control socket's file name, or null when the name is not one. */
export function pidOfControlSocket(path: string): number | null {
  const m = /^engine-(\d+)\.sock$/.exec(basename(path));
  return m ? Number(m[1]) : null;
}

/** Splits a byte stream into lines (UTF-8 safe); reports a line longer than `max` once and drops it. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private overflow = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: () => void,
    private readonly max = MAX_LINE,
  ) {}

  push(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl < 0) break;
      // A line that ends in the chunk that makes it too long is as long as one that overflowed before its end.
      const tooLong = !this.overflow && this.pending.length + nl > this.max;
      if (tooLong) this.onOverflow();
      const skipped = this.overflow || tooLong;
      const line = skipped ? '' : this.pending + text.slice(0, nl);
      this.pending = '';
      this.overflow = false;
      text = text.slice(nl + 1);
      if (!skipped && line.trim() !== '') this.onLine(line);
    }
    if (this.overflow) return;
    this.pending += text;
    if (this.pending.length > this.max) {
      this.pending = '';
      this.overflow = true;
      this.onOverflow();
    }
  }
}
