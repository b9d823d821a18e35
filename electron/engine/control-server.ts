/**
 * Serves an EngineApi on a unix socket (control-socket.ts). Each connection is its own client: it gets the
 * results of its requests, console events only for guests it holds a console subscription on, and the other
 * events only after it asked for them (`{"events": true}`). When it goes away its console subscriptions go too.
 * A client that stops reading while events pile up past a bound is disconnected, so the engine's memory stays
 * bounded whatever a client does.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, constants, openSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { fail, type EngineApi, type EngineEvent } from '../../shared/api';
import { CONTROL_PROTOCOL, type ServerMessage } from '../../shared/wire';
import { AUTH_TIMEOUT_MS, controlKeyPath, LineSplitter } from './control-socket';
import { createControlSession, type ControlSession } from '../../shared/control-session';
import { ensurePrivateDir, StateDirError } from './state-dir';

export interface ControlServerOptions {
  /** Bytes queued to one client before it is cut off (default 16 MiB). */
  readonly maxQueued?: number;
  /** How long close() waits for requests in flight before ending connections (default 10 s). */
  readonly closeGraceMs?: number;
  /** Told to clients in the hello line: this engine ends once its labs are stopped (`qnet up`). */
  readonly exitsAfterStop?: boolean;
}

export interface ControlServer {
  readonly path: string;
  /** Connections open now. */
  readonly connections: () => number;
  /** Stops accepting, lets requests in flight answer (bounded), ends every connection, removes the socket file. */
  close(): Promise<void>;
}

type Conn = {
  readonly socket: Socket;
  readonly session: ControlSession;
};

/** True when something accepts connections on `path` (a live server, not a stale file). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function listen(server: Server, path: string): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const onError = (err: NodeJS.ErrnoException) => resolve(err);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve(null);
    });
  });
}

/** Writes a fresh random key, readable by this user alone, where nothing else may be (O_EXCL, no link followed). */
function writeKey(keyPath: string): Buffer {
  const key = randomBytes(32).toString('hex');
  rmSync(keyPath, { force: true }); // a dead engine's with the same pid: the directory is the user's alone
  const fd = openSync(keyPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, key);
  } finally {
    closeSync(fd);
  }
  return Buffer.from(key);
}

/** True when `line` is `{"auth": KEY}` with this engine's key (compared in constant time). */
function keyMatches(line: Buffer, key: Buffer): boolean {
  let sent: unknown;
  try {
    sent = (JSON.parse(line.toString('utf8')) as { auth?: unknown }).auth;
  } catch {
    return false;
  }
  if (typeof sent !== 'string') return false;
  const given = Buffer.from(sent);
  return given.length === key.length && timingSafeEqual(given, key);
}

/**
 * Listens at `requested` (its directory checked as the user's alone, made 0700 when missing; the socket 0600) and
 * serves `api` to each connection that first sends the key of `engine-<pid>.key` (control-socket.ts).
 */
export async function serveControl(
  api: EngineApi,
  requested: string,
  options: ControlServerOptions = {},
): Promise<ControlServer> {
  const maxQueued = options.maxQueued ?? 16 * 1024 * 1024;
  const closeGraceMs = options.closeGraceMs ?? 10_000;
  const conns = new Set<Conn>();
  const inFlight = new Set<Promise<unknown>>();
  // Only the directory's owner (or root) can reach a socket in it: the engine listens only in a directory that is
  // the user's alone, made 0700 when missing, and through its real path.
  const dir = ensurePrivateDir(dirname(requested));
  if (!dir.ok) throw new StateDirError(`cannot listen on ${requested}: ${dir.message}`);
  const path = join(dir.path, basename(requested));

  const send = (socket: Socket, message: ServerMessage) => {
    if (socket.destroyed || !socket.writable) return;
    socket.write(`${JSON.stringify(message)}\n`);
    if (socket.writableLength > maxQueued) socket.destroy();
  };

  const unsubscribeEngine = api.subscribe((event: EngineEvent) => {
    for (const conn of conns) conn.session.event(event);
  });

  const track = (done: Promise<unknown>) => {
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };

  // The key only the engine's user (or root) can read; a connection is served once it has sent it.
  const keyPath = controlKeyPath(path);
  const key = writeKey(keyPath);
  const pending = new Set<Socket>();

  const serve = (socket: Socket, rest: Buffer) => {
    const session = createControlSession(api, (message) => send(socket, message), { track });
    const conn: Conn = { socket, session };
    conns.add(conn);
    send(socket, {
      hello: { protocol: CONTROL_PROTOCOL, pid: process.pid, exitsAfterStop: options.exitsAfterStop ?? false },
    });
    const splitter = new LineSplitter(
      (line) => session.line(line),
      () => send(socket, { id: null, result: fail('INVALID_REQUEST', 'line too long') }),
    );
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('close', () => {
      conns.delete(conn);
      session.close();
    });
    if (rest.length > 0) splitter.push(rest);
  };

  const server = createServer((socket) => {
    pending.add(socket);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => pending.delete(socket));
    const timer = setTimeout(() => socket.destroy(), AUTH_TIMEOUT_MS);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(0x0a);
      if (nl < 0) {
        if (head.length > 1024) socket.destroy();
        return;
      }
      socket.off('data', onData);
      clearTimeout(timer);
      pending.delete(socket);
      if (!keyMatches(head.subarray(0, nl), key)) return void socket.destroy();
      serve(socket, head.subarray(nl + 1));
    };
    socket.on('data', onData);
  });

  let err = await listen(server, path);
  if (err?.code === 'EADDRINUSE' && !(await answers(path))) {
    rmSync(path, { force: true }); // a stale file a dead process left: nobody listens on it
    err = await listen(server, path);
  }
  if (err) {
    unsubscribeEngine();
    rmSync(keyPath, { force: true });
    throw new Error(`cannot listen on ${path}: ${err.message}`);
  }
  chmodSync(path, 0o600);

  let closing: Promise<void> | null = null;
  return {
    path,
    connections: () => conns.size,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        rmSync(path, { force: true });
        rmSync(keyPath, { force: true });
        for (const socket of pending) socket.destroy();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...inFlight]),
          new Promise((r) => (timer = setTimeout(r, closeGraceMs))),
        ]);
        clearTimeout(timer);
        unsubscribeEngine();
        for (const conn of conns) conn.socket.end();
        const ended = [...conns].map(
          (c) => new Promise<void>((r) => (c.socket.closed ? r() : c.socket.once('close', () => r()))),
        );
        const killTimer = setTimeout(() => conns.forEach((c) => c.socket.destroy()), 1_000);
        await Promise.all([stopped, ...ended]);
        clearTimeout(killTimer);
      })();
      return closing;
    },
  };
}
