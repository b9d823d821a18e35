import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { fail, type EngineApi } from '../../shared/api';
import { CONTROL_PROTOCOL, MAX_LINE, type ServerMessage } from '../../shared/wire';
import { createControlSession, type ControlSession } from '../../shared/control-session';
import { TOKEN_HEADER } from '../../shared/web-api';
import { CAPTURE_ROUTE, sendCapture } from './capture-download';
import { serveStatic } from './static';
import { createToken, tokenMatches } from './token';

/** What a route answers: a JSON body and its status. */
export interface RouteResult {
  readonly status: number;
  readonly body: unknown;
}

/** A GET handler under /api/; `params` is the query string. */
export type Route = (params: URLSearchParams) => Promise<RouteResult> | RouteResult;

export interface ServeOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host: string;
  /** Directory of the built renderer (index.html and its assets). */
  readonly root: string;
  /** GET routes by path, e.g. `/api/target`. */
  readonly routes: Readonly<Record<string, Route>>;
  /** Fixed token (tests of the server itself); default a fresh random one. */
  readonly token?: string;
  /** The lab engine /api/ws carries (the control protocol's JSON messages); without it every request fails. */
  readonly engine?: EngineApi;
  /** Bytes queued to one WebSocket before it is cut off (default 16 MiB). */
  readonly maxQueued?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
/** Bind addresses that listen on every interface. */
const WILDCARD = new Set(['0.0.0.0', '::']);

/** This machine's interface addresses, now (a wildcard bind answers on each). */
function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * Web mode's HTTP + WebSocket server. Every request under /api/ needs the token (401 otherwise, whatever the path),
 * the Host header must name this server (no DNS rebinding) and a browser Origin must be this server's own.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? createToken();
  let port = options.port;
  const hostOk = (host: string | undefined): boolean => {
    if (!host) return false;
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(host);
    if (!m || Number(m[2]) !== port) return false;
    const name = m[1]!.replace(/^\[|\]$/g, '');
    return LOOPBACK.has(name) || (WILDCARD.has(options.host) ? localAddresses().includes(name) : name === options.host);
  };
  // A browser always sends Origin on WebSocket upgrades and cross-origin fetches; tools like curl send none.
  const originOk = (origin: string | undefined): boolean => {
    if (origin === undefined) return true;
    try {
      const u = new URL(origin);
      return u.protocol === 'http:' && hostOk(u.host);
    } catch {
      return false;
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, fail('INTERNAL', (error as Error)?.message ?? String(error)));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Before and after normalization: `/api/%2e%2e/x` is still a request under /api/.
    const raw = (req.url ?? '/').split('?')[0]!;
    const api = [raw, url.pathname].some((p) => p === '/api' || p.startsWith('/api/'));
    if (api && !tokenMatches(token, headerValue(req.headers[TOKEN_HEADER]))) {
      json(res, 401, fail('INVALID_REQUEST', 'missing or wrong token: open the URL qnet serve printed'));
      return;
    }
    if (!hostOk(req.headers.host)) {
      json(res, 421, fail('INVALID_REQUEST', 'unexpected Host header'));
      return;
    }
    if (!originOk(headerValue(req.headers.origin))) {
      json(res, 403, fail('INVALID_REQUEST', 'foreign Origin refused'));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(res, 405, fail('INVALID_REQUEST', `${req.method} is not allowed here`));
      return;
    }
    if (api && url.pathname === CAPTURE_ROUTE) return sendCapture(options.engine, url.searchParams, res);
    if (api) {
      const route = options.routes[url.pathname];
      if (!route) {
        json(res, 404, fail('INVALID_REQUEST', `no such route ${url.pathname}`));
        return;
      }
      const result = await route(url.searchParams);
      json(res, result.status, result.body);
      return;
    }
    await serveStatic(options.root, url.pathname, res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_LINE });
  const sessions = new Set<ControlSession>();
  const unsubscribeEngine = options.engine?.subscribe((event) => {
    for (const session of sessions) session.event(event);
  });
  const maxQueued = options.maxQueued ?? 16 * 1024 * 1024;
  const engineSocket = (ws: WebSocket) => {
    const send = (message: ServerMessage) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(JSON.stringify(message));
      if (ws.bufferedAmount > maxQueued) ws.terminate();
    };
    if (!options.engine) {
      ws.on('message', (data) => {
        let id: unknown = null;
        try {
          id = (JSON.parse(String(data)) as { id?: unknown }).id ?? null;
        } catch {
          /* id stays null */
        }
        ws.send(JSON.stringify({ id, result: fail('INTERNAL', 'this server runs no lab engine') }));
      });
      return;
    }
    const session = createControlSession(options.engine, send);
    sessions.add(session);
    send({ hello: { protocol: CONTROL_PROTOCOL, pid: process.pid, exitsAfterStop: false } });
    ws.on('message', (data) => session.line(String(data)));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      sessions.delete(session);
      session.close();
    });
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/api/ws') return refuse(404, 'Not Found');
    if (!tokenMatches(token, url.searchParams.get('token'))) return refuse(401, 'Unauthorized');
    if (!hostOk(req.headers.host) || !originOk(headerValue(req.headers.origin))) return refuse(403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => engineSocket(ws));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  // A wildcard bind is shown at an address of this machine others can reach (else loopback).
  const reachable = localAddresses().find((a) => !a.includes(':') && !a.startsWith('127.'));
  const host = WILDCARD.has(options.host) ? (reachable ?? '127.0.0.1') : options.host;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribeEngine?.();
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
