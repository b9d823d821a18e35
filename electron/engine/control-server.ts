/**
 * Serves an EngineApi on a unix socket (control-protocol.ts). Each connection is its own client: it gets the
 * results of its requests, console events only for guests it holds a console subscription on, and the other
 * events only after it asked for them (`{"events": true}`). When it goes away its console subscriptions go too.
 * A client that stops reading while events pile up past a bound is disconnected, so the engine's memory stays
 * bounded whatever a client does.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { fail, type EngineApi, type EngineEvent, type EngineRequest, type Result } from '../../shared/api';
import { CONTROL_PROTOCOL, LineSplitter, parseClientLine, type ServerMessage } from './control-protocol';

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
  events: boolean;
  /** Console subscriptions of this client: id → "lab\0vm". */
  readonly subscriptions: Map<string, string>;
  /** Interest per "lab\0vm" (subscriptions held or being made), and the end of the last console event sent. */
  readonly consoles: Map<string, { count: number; end: number }>;
  inFlight: number;
};

const consoleKey = (lab: string, vm: string) => `${lab}\0${vm}`;

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

/** Listens at `path` (its directory made 0700 when missing, the socket 0600) and serves `api` there. */
export async function serveControl(
  api: EngineApi,
  path: string,
  options: ControlServerOptions = {},
): Promise<ControlServer> {
  const maxQueued = options.maxQueued ?? 16 * 1024 * 1024;
  const closeGraceMs = options.closeGraceMs ?? 10_000;
  const conns = new Set<Conn>();
  const inFlight = new Set<Promise<unknown>>();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });

  const send = (conn: Conn, message: ServerMessage) => {
    if (conn.socket.destroyed || !conn.socket.writable) return;
    conn.socket.write(`${JSON.stringify(message)}\n`);
    if (conn.socket.writableLength > maxQueued) conn.socket.destroy();
  };

  const unsubscribeEngine = api.subscribe((event: EngineEvent) => {
    for (const conn of conns) {
      if (event.type === 'console') {
        const interest = conn.consoles.get(consoleKey(event.lab, event.vm));
        // The engine may emit a chunk once per subscription: send each byte range once per client.
        if (!interest || event.end <= interest.end) continue;
        interest.end = event.end;
        send(conn, { event });
      } else if (conn.events) send(conn, { event });
    }
  });

  const addInterest = (conn: Conn, key: string) => {
    const known = conn.consoles.get(key);
    if (known) known.count++;
    else conn.consoles.set(key, { count: 1, end: -1 });
  };
  const dropInterest = (conn: Conn, key: string) => {
    const known = conn.consoles.get(key);
    if (!known) return;
    if (--known.count <= 0) conn.consoles.delete(key);
  };

  const handle = async (conn: Conn, request: EngineRequest): Promise<Result> => {
    if (request.type === 'consoleSubscribe') {
      const key = consoleKey(request.lab, request.vm);
      addInterest(conn, key);
      const result = await api.request(request);
      if (result.ok && !conn.socket.destroyed) conn.subscriptions.set(result.subscription, key);
      else if (result.ok) void api.request({ type: 'consoleUnsubscribe', subscription: result.subscription });
      else dropInterest(conn, key);
      return result;
    }
    if (request.type === 'consoleUnsubscribe') {
      const key = conn.subscriptions.get(request.subscription);
      const result = await api.request(request);
      if (result.ok && key !== undefined) {
        conn.subscriptions.delete(request.subscription);
        dropInterest(conn, key);
      }
      return result;
    }
    return api.request(request);
  };

  const onLine = (conn: Conn, line: string) => {
    const parsed = parseClientLine(line);
    if (!parsed.ok) return send(conn, { id: parsed.id, result: fail('INVALID_REQUEST', parsed.message) });
    const { message } = parsed;
    if ('events' in message) {
      conn.events = message.events;
      return send(conn, { id: message.id, result: { ok: true } });
    }
    conn.inFlight++;
    const done = handle(conn, message.request)
      .catch((err: unknown) =>
        fail(
          'INTERNAL',
          `the engine failed on ${message.request.type}: ${err instanceof Error ? err.message : String(err)}`,
        ),
      )
      .then((result) => {
        conn.inFlight--;
        send(conn, { id: message.id, result });
      });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };

  const server = createServer((socket) => {
    const conn: Conn = { socket, events: false, subscriptions: new Map(), consoles: new Map(), inFlight: 0 };
    conns.add(conn);
    send(conn, {
      hello: { protocol: CONTROL_PROTOCOL, pid: process.pid, exitsAfterStop: options.exitsAfterStop ?? false },
    });
    const splitter = new LineSplitter(
      (line) => onLine(conn, line),
      () => send(conn, { id: null, result: fail('INVALID_REQUEST', 'line too long') }),
    );
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      conns.delete(conn);
      for (const subscription of conn.subscriptions.keys())
        void api.request({ type: 'consoleUnsubscribe', subscription });
      conn.subscriptions.clear();
      conn.consoles.clear();
    });
  });

  let err = await listen(server, path);
  if (err?.code === 'EADDRINUSE' && !(await answers(path))) {
    rmSync(path, { force: true }); // a stale file a dead process left: nobody listens on it
    err = await listen(server, path);
  }
  if (err) {
    unsubscribeEngine();
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
