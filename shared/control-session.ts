/**
 * One client of the engine, whatever carries its messages: a unix socket connection (control-server.ts), a
 * WebSocket (`qnet serve`'s /api/ws), or a desktop window's page (electron/main/ipc.ts). It validates each line
 * (shared/wire.ts), answers each request with exactly one result, passes console events only for guests it holds a
 * subscription on, the other events only once the client asked for them (a window's page gets them from the
 * start), and drops its console subscriptions when it closes.
 */
import { fail, type EngineApi, type EngineEvent, type EngineRequest, type Result } from './api';
import { parseClientLine, type ServerMessage } from './wire';

export interface ControlSession {
  /** One line (or WebSocket message) from the client: its result goes out with `send`. */
  line(line: string): void;
  /** One request already checked by the transport (Electron IPC): resolves with its result, never rejects. */
  request(request: EngineRequest): Promise<Result>;
  /** One engine event: sent when this client wants it. */
  event(event: EngineEvent): void;
  /** Requests being answered now. */
  inFlight(): number;
  /** The client went away: its console subscriptions are dropped. */
  close(): void;
}

export interface ControlSessionOptions {
  /** Sees each request's promise (so a server can wait for requests in flight before it closes). */
  readonly track?: (done: Promise<unknown>) => void;
  /** The client gets the events other than console output from the start, without asking (a desktop window). */
  readonly events?: boolean;
}

const consoleKey = (lab: string, vm: string) => `${lab}\0${vm}`;

/** A session sending its messages (results of `line`, events) with `send`. */
export function createControlSession(
  api: EngineApi,
  send: (message: ServerMessage) => void,
  options: ControlSessionOptions = {},
): ControlSession {
  const track = options.track ?? (() => {});
  let events = options.events ?? false;
  let closed = false;
  let inFlight = 0;
  /** Console subscriptions of this client: id → "lab\0vm". */
  const subscriptions = new Map<string, string>();
  /** Subscriptions held or being made per "lab\0vm": the guest's console events go to this client. */
  const consoles = new Map<string, number>();

  const addInterest = (key: string) => consoles.set(key, (consoles.get(key) ?? 0) + 1);
  const dropInterest = (key: string) => {
    const count = (consoles.get(key) ?? 0) - 1;
    if (count > 0) consoles.set(key, count);
    else consoles.delete(key);
  };

  const handle = async (request: EngineRequest): Promise<Result> => {
    if (request.type === 'consoleSubscribe') {
      const key = consoleKey(request.lab, request.vm);
      // Before the engine subscribes: what it streams from then on reaches this client.
      addInterest(key);
      const result = await api.request(request);
      if (result.ok && !closed) subscriptions.set(result.subscription, key);
      else if (result.ok) void api.request({ type: 'consoleUnsubscribe', subscription: result.subscription });
      else dropInterest(key);
      return result;
    }
    if (request.type === 'consoleUnsubscribe') {
      const key = subscriptions.get(request.subscription);
      const result = await api.request(request);
      if (result.ok && key !== undefined) {
        subscriptions.delete(request.subscription);
        dropInterest(key);
      }
      return result;
    }
    return api.request(request);
  };

  const answer = (request: EngineRequest): Promise<Result> => {
    inFlight++;
    return handle(request)
      .catch((err: unknown) =>
        fail('INTERNAL', `the engine failed on ${request.type}: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => inFlight--);
  };

  return {
    line(line) {
      const parsed = parseClientLine(line);
      if (!parsed.ok) return send({ id: parsed.id, result: fail('INVALID_REQUEST', parsed.message) });
      const { message } = parsed;
      if ('events' in message) {
        events = message.events;
        return send({ id: message.id, result: { ok: true } });
      }
      track(answer(message.request).then((result) => send({ id: message.id, result })));
    },
    request(request) {
      const done = answer(request);
      track(done);
      return done;
    },
    event(event) {
      if (closed) return;
      // The engine emits each console chunk once: it goes to this client once, however many subscriptions it holds.
      if (event.type === 'console' ? consoles.has(consoleKey(event.lab, event.vm)) : events) send({ event });
    },
    inFlight: () => inFlight,
    close() {
      if (closed) return;
      closed = true;
      for (const subscription of subscriptions.keys()) void api.request({ type: 'consoleUnsubscribe', subscription });
      subscriptions.clear();
      consoles.clear();
    },
  };
}
