/**
 * The EngineApi of a running engine reached through its control socket (control-socket.ts): callers cannot tell
 * it from a local engine. Requests resolve with the engine's result; when the connection is lost, requests in
 * flight and later ones resolve with an INTERNAL error saying so (never a rejection).
 */
import type { Socket } from 'node:net';
import {
  fail,
  type EngineApi,
  type EngineEvent,
  type EngineRequest,
  type ResponseOf,
  type Result,
} from '../../shared/api';
import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseServerLine, type ControlHello } from '../../shared/wire';
import { controlKeyPath, LineSplitter } from './control-socket';
import { checkPrivateDir, effectiveUid, readOwnFile } from './state-dir';
import { connectUnix } from './unix-socket';

export interface ControlClient extends EngineApi {
  readonly path: string;
  /** Resolves when the connection is gone (closed by either side, or the engine died). */
  readonly closed: Promise<void>;
  readonly isClosed: () => boolean;
  /** The server's hello line (null when the connection closed before it came). */
  readonly hello: Promise<ControlHello | null>;
  close(): void;
}

export type ConnectControlResult =
  | { readonly ok: true; readonly client: ControlClient }
  | {
      readonly ok: false;
      /** NOT_TRUSTED: the socket, its key or its directory is not the user's alone; it was not used. */
      readonly error: {
        readonly code: 'CONNECT_TIMEOUT' | 'CONNECT_FAILED' | 'ABORTED' | 'NOT_TRUSTED';
        readonly message: string;
      };
    };

const notTrusted = (message: string): ConnectControlResult => ({ ok: false, error: { code: 'NOT_TRUSTED', message } });

/**
 * Connects to an engine's control socket; retries while it is missing or refusing until `deadlineMs` (default:
 * once). Nothing is sent to a socket that is not the user's own, in a directory of the user's alone, with a key
 * file of the user's beside it: the first line sent is that key (control-socket.ts).
 */
export async function connectControl(
  path: string,
  options: { readonly deadlineMs?: number; readonly signal?: AbortSignal } = {},
): Promise<ConnectControlResult> {
  const dir = checkPrivateDir(dirname(path));
  if (!dir.ok && !dir.missing) return notTrusted(`${path} is not used: ${dir.message}`);
  const r = await connectUnix(path, {
    deadlineMs: options.deadlineMs ?? 0,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!r.ok) return r;
  const key = ownKey(path);
  if (!key.ok) {
    r.value.destroy();
    return notTrusted(key.message);
  }
  r.value.write(`${JSON.stringify({ auth: key.key })}\n`);
  return { ok: true, client: controlClient(r.value, path) };
}

/** The engine's key, when the socket and its key file are the user's own (never a link, a file, another's). */
function ownKey(path: string): { ok: true; key: string } | { ok: false; message: string } {
  const me = effectiveUid();
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    return { ok: false, message: `${path} is gone: ${(err as Error).message}` };
  }
  if (!st.isSocket()) return { ok: false, message: `${path} is not a socket: ignored` };
  if (st.uid !== me)
    return {
      ok: false,
      message: `${path} belongs to uid ${st.uid}, not to ${me === 0 ? 'root' : `you (uid ${me})`}: ignored (another user's socket is never used)`,
    };
  try {
    const key = readOwnFile(controlKeyPath(path));
    if (key === null) return { ok: false, message: `${path} has no key file ${controlKeyPath(path)}: ignored` };
    return { ok: true, key: key.trim() };
  } catch (err) {
    return { ok: false, message: `${path} is ignored: its key ${(err as Error).message}` };
  }
}

/** Wraps a connected socket as an EngineApi. */
function controlClient(socket: Socket, path: string): ControlClient {
  let nextId = 1;
  let closedReason: string | null = null;
  const pending = new Map<number, (result: Result) => void>();
  const listeners = new Set<(event: EngineEvent) => void>();
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  let gotHello: (hello: ControlHello | null) => void = () => {};
  const hello = new Promise<ControlHello | null>((resolve) => (gotHello = resolve));

  const write = (message: object): boolean => {
    if (closedReason !== null || !socket.writable) return false;
    socket.write(`${JSON.stringify(message)}\n`);
    return true;
  };

  const splitter = new LineSplitter(
    (line) => {
      const message = parseServerLine(line);
      if (!message) return;
      if ('hello' in message) return gotHello(message.hello);
      if ('event' in message) {
        for (const listener of [...listeners]) listener(message.event);
        return;
      }
      if (typeof message.id !== 'number') return;
      const resolve = pending.get(message.id);
      pending.delete(message.id);
      resolve?.(message.result);
    },
    () => socket.destroy(new Error('the engine sent a line that is too long')),
  );
  socket.on('data', (chunk: Buffer) => splitter.push(chunk));
  socket.on('error', (err) => {
    closedReason ??= err.message;
  });
  socket.on('close', () => {
    closedReason ??= 'the engine closed the connection';
    for (const resolve of pending.values()) resolve(fail('INTERNAL', `lost the engine at ${path}: ${closedReason}`));
    pending.clear();
    gotHello(null);
    markClosed();
  });

  const call = (message: Record<string, unknown>): Promise<Result> =>
    new Promise((resolve) => {
      const id = nextId++;
      if (!write({ id, ...message }))
        return resolve(fail('INTERNAL', `lost the engine at ${path}: ${closedReason ?? 'not connected'}`));
      pending.set(id, resolve);
    });

  return {
    path,
    closed,
    hello,
    isClosed: () => closedReason !== null,
    request<R extends EngineRequest>(request: R): Promise<ResponseOf<R>> {
      return call({ request }) as Promise<ResponseOf<R>>;
    },
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) void call({ events: true });
      return () => {
        if (!listeners.delete(listener)) return;
        if (listeners.size === 0) void call({ events: false });
      };
    },
    close() {
      closedReason ??= 'closed by the client';
      socket.end();
      socket.destroySoon();
    },
  };
}
