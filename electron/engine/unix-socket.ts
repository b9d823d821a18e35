/** Connecting to a unix socket that a process we just spawned creates a moment later. */
import { createConnection, type Socket } from 'node:net';

export type ConnectError = {
  readonly code: 'CONNECT_TIMEOUT' | 'CONNECT_FAILED' | 'ABORTED';
  readonly message: string;
};
export type ConnectResult =
  { readonly ok: true; readonly value: Socket } | { readonly ok: false; readonly error: ConnectError };

/** Errors that mean "not there yet": the socket file is missing, or nobody listens on it yet (a stale file). */
const RETRYABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EAGAIN']);

/** Resolves after `ms`, or early when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Connects to a unix socket, retrying every `retryMs` while it is missing or refusing, until `deadlineMs`. */
export async function connectUnix(
  path: string,
  options: { readonly deadlineMs: number; readonly retryMs?: number; readonly signal?: AbortSignal },
): Promise<ConnectResult> {
  const { deadlineMs, retryMs = 25, signal } = options;
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (signal?.aborted) {
      return {
        ok: false,
        error: { code: 'ABORTED', message: `gave up connecting to ${path}: ${String(signal.reason ?? 'aborted')}` },
      };
    }
    const attempt = await new Promise<ConnectResult | { retry: string }>((resolve) => {
      const socket = createConnection(path);
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve({ ok: true, value: socket });
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        socket.destroy();
        if (RETRYABLE.has(err.code ?? '')) resolve({ retry: err.code ?? err.message });
        else
          resolve({
            ok: false,
            error: { code: 'CONNECT_FAILED', message: `cannot connect to ${path}: ${err.message}` },
          });
      });
    });
    if (!('retry' in attempt)) return attempt;
    if (Date.now() >= until) {
      return {
        ok: false,
        error: {
          code: 'CONNECT_TIMEOUT',
          message: `${path} did not accept a connection within ${deadlineMs} ms (${attempt.retry})`,
        },
      };
    }
    await pause(Math.min(retryMs, Math.max(1, until - Date.now())), signal);
  }
}
