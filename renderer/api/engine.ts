/**
 * The engine as the page sees it (shared/api.ts EngineApi): the desktop preload's `window.qnet` when present, else
 * a WebSocket client to `qnet serve`'s `/api/ws?token=…`. The WebSocket speaks the control socket's JSON lines
 * (shared/wire.ts): `{id, request}` → `{id, result}`, `{id, events: true}` to receive
 * events, `{event}` pushed. After a drop it reconnects with a backoff, asks for events again and re-subscribes
 * the consoles held (from the last byte seen, so no output is lost or repeated). While it is disconnected a
 * request fails at once with DISCONNECTED (requests made before the first connection wait for it), and requests in
 * flight when the connection dropped fail with DISCONNECTED rather than hang; `status()` says which it is.
 */
import { fail, type EngineApi, type EngineEvent, type EngineRequest, type ResponseOf, type Result } from '../../shared/api';
import { apiToken } from './client';
import { desktopApi } from './desktop';

type Listener = (event: EngineEvent) => void;

const NOT_CONNECTED = 'not connected to the server (qnet serve is gone or unreachable); the page keeps trying to reconnect';
const DROPPED = 'the connection to the server dropped before the answer came';

/** A console subscription as the page knows it: its id stays the same across reconnects. */
interface HeldConsole {
  readonly lab: string;
  readonly vm: string;
  /** The server's id for it on the current connection (null while reconnecting). */
  server: string | null;
  /** Offset after the last console byte delivered. */
  end: number;
}

export interface WebSocketEngineOptions {
  /** The WebSocket URL (default: this page's `/api/ws?token=…`). */
  readonly url?: string;
  /** Milliseconds before a reconnect, doubled up to `maxRetryMs` (default 250 / 5000). */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  /** How long a request waits for its answer (default 10 minutes: a launch boots guests). */
  readonly requestTimeoutMs?: number;
  /** For tests: the WebSocket constructor. */
  readonly WebSocket?: typeof WebSocket;
  /** After a failed reconnection: whether the server refuses the token (default: the page's GET /api/target). */
  readonly tokenRefused?: () => Promise<boolean>;
}

/** Where the page's connection to its server is. */
export type ConnectionStatus =
  | { readonly state: 'connecting' }
  | { readonly state: 'connected' }
  | {
      readonly state: 'disconnected';
      /** When the connection was lost (ms since the epoch). */
      readonly since: number;
      /** Reconnection attempts made since. */
      readonly attempts: number;
      /** The server answers but refuses this page's token (it was restarted with another one). */
      readonly refused: boolean;
    };

/** The WebSocket engine, plus whether it is connected now and a way to hear about (re)connections. */
export interface WebSocketEngine extends EngineApi {
  readonly connected: () => boolean;
  /** Called on every (re)connection, after events are asked for again: a page re-reads its state there. */
  onConnect(listener: () => void): () => void;
  status(): ConnectionStatus;
  /** Called whenever `status()` changes. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** Tries to connect now instead of at the next retry. */
  retryNow(): void;
  close(): void;
}

/** A failed reconnection: whether the server refused this page's token (GET /api/target answers 401). */
async function pageTokenRefused(): Promise<boolean> {
  try {
    const token = apiToken();
    const res = await fetch('/api/target', { headers: token ? { 'x-qnet-token': token } : {} });
    return res.status === 401;
  } catch {
    return false;
  }
}

function defaultUrl(): string {
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = apiToken() ?? '';
  return `${proto}//${window.location.host}/api/ws?token=${encodeURIComponent(token)}`;
}

/** Builds the WebSocket client (it connects at once and keeps reconnecting until close()). */
export function createWebSocketEngine(options: WebSocketEngineOptions = {}): WebSocketEngine {
  const Ws = options.WebSocket ?? WebSocket;
  const url = options.url ?? defaultUrl();
  const retryMs = options.retryMs ?? 250;
  const maxRetryMs = options.maxRetryMs ?? 5000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 600_000;
  const tokenRefused = options.tokenRefused ?? pageTokenRefused;

  const listeners = new Set<Listener>();
  const connectListeners = new Set<() => void>();
  const statusListeners = new Set<(status: ConnectionStatus) => void>();
  let status: ConnectionStatus = { state: 'connecting' };
  const setStatus = (next: ConnectionStatus) => {
    status = next;
    for (const l of [...statusListeners]) l(next);
  };
  /** Once connected, a request made while the connection is down fails at once instead of waiting. */
  let everConnected = false;
  const pending = new Map<number, { resolve: (r: Result) => void; timer: ReturnType<typeof setTimeout> }>();
  /** Lines to send once connected (requests made while disconnected). */
  const queue: { id: number; line: string }[] = [];
  const consoles = new Map<string, HeldConsole>();
  let nextId = 1;
  let nextLocal = 1;
  let ws: WebSocket | null = null;
  let open = false;
  /** Connected and events asked for: what `connected()` reports. */
  let ready = false;
  let closed = false;
  let delay = retryMs;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  const emit = (event: EngineEvent) => {
    for (const l of [...listeners]) {
      try {
        l(event);
      } catch (err) {
        console.error(err);
      }
    }
  };

  /** Sends a raw message and resolves with its result (INTERNAL when the connection drops first). */
  const call = (message: Record<string, unknown>, queueWhenClosed: boolean): Promise<Result> =>
    new Promise<Result>((resolve) => {
      if (closed) return resolve(fail('INTERNAL', 'the engine connection is closed'));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(fail('TIMEOUT', 'the engine did not answer in time'));
      }, requestTimeoutMs);
      pending.set(id, { resolve, timer });
      const line = JSON.stringify({ id, ...message });
      if (open && ws) ws.send(line);
      else if (queueWhenClosed && !everConnected) queue.push({ id, line });
      else {
        clearTimeout(timer);
        pending.delete(id);
        resolve(fail('DISCONNECTED', NOT_CONNECTED));
      }
    });

  const settle = (id: number, result: Result) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(result);
  };

  const onConsoleEvent = (event: Extract<EngineEvent, { type: 'console' }>) => {
    let wanted = false;
    for (const held of consoles.values()) {
      if (held.lab !== event.lab || held.vm !== event.vm) continue;
      if (event.end <= held.end) continue;
      held.end = event.end;
      wanted = true;
    }
    if (wanted) emit(event);
  };

  /** Re-subscribes one held console on a fresh connection, delivering what was missed as a console event. */
  const resubscribe = async (held: HeldConsole) => {
    const r = await call({ request: { type: 'consoleSubscribe', lab: held.lab, vm: held.vm, fromSeq: held.end } }, false);
    if (!r.ok) return;
    const sub = r as unknown as { subscription: string; seq: number; backlog: string };
    if (![...consoles.values()].includes(held)) {
      void call({ request: { type: 'consoleUnsubscribe', subscription: sub.subscription } }, false);
      return;
    }
    held.server = sub.subscription;
    if (sub.backlog) {
      const end = sub.seq + new TextEncoder().encode(sub.backlog).length;
      if (end > held.end) {
        held.end = end;
        emit({ type: 'console', lab: held.lab, vm: held.vm, seq: sub.seq, end, data: sub.backlog });
      }
    }
  };

  const connect = () => {
    if (closed) return;
    let socket: WebSocket;
    try {
      socket = new Ws(url);
    } catch {
      scheduleRetry();
      return;
    }
    ws = socket;
    socket.onopen = () => {
      open = true;
      delay = retryMs;
      void (async () => {
        await call({ events: true }, false);
        for (const held of consoles.values()) held.server = null;
        await Promise.all([...consoles.values()].map(resubscribe));
        for (const { line, id } of queue.splice(0)) {
          if (pending.has(id)) socket.send(line);
        }
        if (ws !== socket) return;
        ready = true;
        everConnected = true;
        setStatus({ state: 'connected' });
        for (const l of [...connectListeners]) l();
      })();
    };
    socket.onmessage = (e: MessageEvent) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(e.data));
      } catch {
        return;
      }
      if (typeof msg !== 'object' || msg === null) return;
      const m = msg as { id?: unknown; result?: Result; event?: EngineEvent };
      if (m.event && typeof m.event.type === 'string') {
        if (m.event.type === 'console') onConsoleEvent(m.event);
        else emit(m.event);
      } else if (typeof m.id === 'number' && m.result && typeof m.result.ok === 'boolean') {
        settle(m.id, m.result);
      }
    };
    socket.onclose = () => {
      if (ws !== socket) return;
      const wasOpen = open;
      ws = null;
      open = false;
      ready = false;
      for (const [id] of [...pending]) {
        if (!queue.some((q) => q.id === id)) settle(id, fail('DISCONNECTED', DROPPED));
      }
      if (everConnected) {
        if (wasOpen || status.state !== 'disconnected') setStatus({ state: 'disconnected', since: Date.now(), attempts: 0, refused: false });
        else void noteFailedAttempt();
      }
      scheduleRetry();
    };
    socket.onerror = () => {
      /* onclose follows */
    };
  };

  /** A reconnection that failed: counted, and the server asked whether it refuses the token. */
  async function noteFailedAttempt() {
    if (status.state !== 'disconnected') return;
    const attempts = status.attempts + 1;
    const refused = await tokenRefused();
    if (status.state === 'disconnected' && !closed) setStatus({ ...status, attempts, refused });
  }

  function scheduleRetry() {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
    delay = Math.min(delay * 2, maxRetryMs);
  }

  connect();

  const request = async <R extends EngineRequest>(req: R): Promise<ResponseOf<R>> => {
    if (req.type === 'consoleSubscribe') {
      const local = `ws-${nextLocal++}`;
      const held: HeldConsole = { lab: req.lab, vm: req.vm, server: null, end: -1 };
      consoles.set(local, held);
      const r = await call({ request: req }, true);
      if (!r.ok) {
        consoles.delete(local);
        return r as ResponseOf<R>;
      }
      const sub = r as unknown as { subscription: string; seq: number; backlog: string; truncated: boolean };
      held.server = sub.subscription;
      held.end = Math.max(held.end, sub.seq + new TextEncoder().encode(sub.backlog).length);
      return { ...sub, ok: true, subscription: local } as unknown as ResponseOf<R>;
    }
    if (req.type === 'consoleUnsubscribe') {
      const held = consoles.get(req.subscription);
      if (!held) return fail('INVALID_REQUEST', `no console subscription ${req.subscription}`) as ResponseOf<R>;
      consoles.delete(req.subscription);
      if (held.server && open) await call({ request: { ...req, subscription: held.server } }, false);
      return { ok: true } as ResponseOf<R>;
    }
    return (await call({ request: req }, true)) as ResponseOf<R>;
  };

  return {
    request,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    connected: () => ready,
    onConnect(listener) {
      connectListeners.add(listener);
      return () => connectListeners.delete(listener);
    },
    status: () => status,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    retryNow() {
      if (closed || ws) return;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      delay = retryMs;
      connect();
    },
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      ws?.close();
      for (const [id] of [...pending]) settle(id, fail('DISCONNECTED', 'the engine connection is closed'));
    },
  };
}

let engine: EngineApi | null = null;
let wsEngine: WebSocketEngine | null = null;

/** The page's one engine: the desktop preload's `window.qnet`, else the WebSocket client (made on first use). */
export function getEngine(): EngineApi {
  if (engine) return engine;
  const desktop = desktopApi();
  if (desktop) engine = desktop;
  else engine = wsEngine = createWebSocketEngine();
  return engine;
}

/**
 * Calls `listener` whenever the engine (re)connects (web mode: every WebSocket reconnect; desktop: once, now).
 * A page re-reads `list`/`status`/`logs` there so a dropped connection or a reload restores its state.
 */
export function onEngineConnect(listener: () => void): () => void {
  getEngine();
  if (wsEngine) {
    if (wsEngine.connected()) queueMicrotask(listener);
    return wsEngine.onConnect(listener);
  }
  queueMicrotask(listener);
  return () => {};
}

/** The page's connection to its engine now (the desktop window's is always connected). */
export function connectionStatus(): ConnectionStatus {
  getEngine();
  return wsEngine ? wsEngine.status() : { state: 'connected' };
}

/** Calls `listener` whenever the connection's status changes (never in the desktop window). */
export function onConnectionStatus(listener: (status: ConnectionStatus) => void): () => void {
  getEngine();
  return wsEngine ? wsEngine.onStatus(listener) : () => {};
}

/** Reconnects now instead of at the next retry (web mode). */
export function reconnectNow(): void {
  wsEngine?.retryNow();
}
