/**
 * One client of the engine's wire (shared/wire.ts), whatever carries its lines: a unix socket connection
 * (control-server.ts) or a WebSocket (`qnet serve`'s /api/ws). It validates each line, answers each request with
 * exactly one result, passes console events only for guests it holds a subscription on (each byte range once),
 * the other events only after `{"events": true}`, and drops its console subscriptions when it closes.
 */
import { fail, type EngineApi, type EngineEvent, type EngineRequest, type Result } from '../../shared/api';
import { parseClientLine, type ServerMessage } from '../../shared/wire';

export interface ControlSession {
  /** One line (or WebSocket message) from the client. */
  line(line: string): void;
  /** One engine event: sent when this client wants it. */
  event(event: EngineEvent): void;
  /** Requests being answered now. */
  inFlight(): number;
  /** The client went away: its console subscriptions are dropped. */
  close(): void;
}

const consoleKey = (lab: string, vm: string) => `${lab}\0${vm}`;

/**
 * A session sending its messages with `send`. `track` sees each request's promise (so a server can wait for
 * requests in flight before it closes).
 */
export function createControlSession(
  api: EngineApi,
  send: (message: ServerMessage) => void,
  track: (done: Promise<unknown>) => void = () => {},
): ControlSession {
  let events = false;
  let closed = false;
  let inFlight = 0;
  /** Console subscriptions of this client: id → "lab\0vm". */
  const subscriptions = new Map<string, string>();
  /** Interest per "lab\0vm" (subscriptions held or being made), and the end of the last console event sent. */
  const consoles = new Map<string, { count: number; end: number }>();

  const addInterest = (key: string) => {
    const known = consoles.get(key);
    if (known) known.count++;
    else consoles.set(key, { count: 1, end: -1 });
  };
  const dropInterest = (key: string) => {
    const known = consoles.get(key);
    if (!known) return;
    if (--known.count <= 0) consoles.delete(key);
  };

  const handle = async (request: EngineRequest): Promise<Result> => {
    if (request.type === 'consoleSubscribe') {
      const key = consoleKey(request.lab, request.vm);
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

  return {
    line(line) {
      const parsed = parseClientLine(line);
      if (!parsed.ok) return send({ id: parsed.id, result: fail('INVALID_REQUEST', parsed.message) });
      const { message } = parsed;
      if ('events' in message) {
        events = message.events;
        return send({ id: message.id, result: { ok: true } });
      }
      inFlight++;
      const done = handle(message.request)
        .catch((err: unknown) =>
          fail('INTERNAL', `the engine failed on ${message.request.type}: ${err instanceof Error ? err.message : String(err)}`),
        )
        .then((result) => {
          inFlight--;
          send({ id: message.id, result });
        });
      track(done);
    },
    event(event) {
      if (closed) return;
      if (event.type === 'console') {
        const interest = consoles.get(consoleKey(event.lab, event.vm));
        // The engine may emit a chunk once per subscription: send each byte range once per client.
        if (!interest || event.end <= interest.end) return;
        interest.end = event.end;
        send({ event });
      } else if (events) send({ event });
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
