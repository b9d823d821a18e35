/**
 * The engine as the page sees it (shared/api.ts EngineApi): the desktop preload's `window.qnet` when present, else
 * a WebSocket client to `qnet serve`'s `/api/ws?token=…`. The WebSocket speaks the control socket's messages
 * (shared/wire.ts): `{id, request}` → `{id, result}`, `{id, events: true}` to receive
 * events, `{event}` pushed. After a drop it reconnects with a backoff, asks for events again and re-subscribes
 * the consoles held (each guest from the last byte this page was given, so no output is lost or repeated). While it
 * is disconnected a request fails at once with DISCONNECTED (requests made before the first connection wait for
 * it), and requests in flight when the connection dropped fail with DISCONNECTED rather than hang; `status()` says
 * which it is.
 */
import {
  fail,
  type EngineApi,
  type EngineEvent,
  type EngineRequest,
  type EngineResponses,
  type ResponseOf,
  type Result,
} from '../../shared/api';
import { ConsoleFeed } from '../../shared/console-feed';
import { parseServerLine } from '../../shared/wire';
import { apiToken } from './client';
import { desktopApi } from './desktop';

type Listener = (event: EngineEvent) => void;

const NOT_CONNECTED =
  'not connected to the server (qnet serve is gone or unreachable); the page keeps trying to reconnect';
const DROPPED = 'the connection to the server dropped before the answer came';

/** A console subscription as the page knows it: its id stays the same across reconnects. */
interface HeldConsole {
  readonly lab: string;
  readonly vm: string;
  /** The server's id for it on the current connection (null while reconnecting). */
  server: string | null;
}

type Subscribed = EngineResponses['consoleSubscribe'];
const guestKey = (lab: string, vm: string) => `${lab}\0${vm}`;

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
  /** Per guest ("lab\0vm"): the offset after the last console byte this page was given. */
  const positions = new Map<string, number>();
  /** Guests being re-subscribed after a reconnect: their events wait for the backlog that comes before them. */
  const replaying = new Map<string, ConsoleFeed>();
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

  const advance = (key: string, end: number) => positions.set(key, Math.max(positions.get(key) ?? 0, end));

  const onConsoleEvent = (event: Extract<EngineEvent, { type: 'console' }>) => {
    if (![...consoles.values()].some((held) => held.lab === event.lab && held.vm === event.vm)) return;
    const key = guestKey(event.lab, event.vm);
    const feed = replaying.get(key);
    if (feed) return feed.event(event);
    advance(key, event.end);
    emit(event);
  };

  /**
   * Re-subscribes the consoles held on one guest on a fresh connection: the first answer's backlog (what was missed)
   * goes out as a console event; the others only get their server id back.
   */
  const resubscribe = async (key: string, held: readonly HeldConsole[]) => {
    const { lab, vm } = held[0]!;
    const feed = new ConsoleFeed((chunk) => {
      advance(key, chunk.end);
      emit({ type: 'console', lab, vm, ...chunk });
    });
    replaying.set(key, feed);
    for (const h of held) {
      const fromSeq = positions.get(key) ?? 0;
      const r = await call({ request: { type: 'consoleSubscribe', lab, vm, fromSeq } }, false);
      if (!r.ok) continue;
      const sub = r as unknown as Subscribed;
      if (![...consoles.values()].includes(h)) {
        void call({ request: { type: 'consoleUnsubscribe', subscription: sub.subscription } }, false);
        continue;
      }
      h.server = sub.subscription;
      if (replaying.get(key) === feed) {
        replaying.delete(key);
        feed.answer(sub);
      }
    }
    if (replaying.get(key) === feed) replaying.delete(key);
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
        const byGuest = new Map<string, HeldConsole[]>();
        for (const held of consoles.values()) {
          held.server = null;
          const key = guestKey(held.lab, held.vm);
          byGuest.set(key, [...(byGuest.get(key) ?? []), held]);
        }
        await Promise.all([...byGuest].map(([key, held]) => resubscribe(key, held)));
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
      const m = parseServerLine(String(e.data));
      if (!m) return;
      if ('event' in m) {
        if (m.event.type === 'console') onConsoleEvent(m.event);
        else emit(m.event);
      } else if ('result' in m && typeof m.id === 'number') {
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
        if (wasOpen || status.state !== 'disconnected')
          setStatus({ state: 'disconnected', since: Date.now(), attempts: 0, refused: false });
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
      const held: HeldConsole = { lab: req.lab, vm: req.vm, server: null };
      consoles.set(local, held);
      const r = await call({ request: req }, true);
      if (!r.ok) {
        consoles.delete(local);
        return r as ResponseOf<R>;
      }
      const sub = r as unknown as Subscribed;
      held.server = sub.subscription;
      advance(guestKey(req.lab, req.vm), sub.end);
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
