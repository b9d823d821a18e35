/**
 * A small QMP client over a unix socket: greeting, capabilities negotiation, commands correlated by id, events.
 * Every failure is a typed result; nothing here rejects or throws at its callers.
 */
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { connectUnix } from './unix-socket';

export type QmpErrorCode =
  | 'CONNECT_TIMEOUT'
  | 'CONNECT_FAILED'
  | 'ABORTED'
  | 'NO_GREETING'
  | 'PROTOCOL'
  | 'COMMAND_FAILED'
  | 'TIMEOUT'
  | 'CLOSED';

export interface QmpError {
  readonly code: QmpErrorCode;
  readonly message: string;
  /** QEMU's error class for COMMAND_FAILED, e.g. CommandNotFound, GenericError. */
  readonly class?: string;
}

export type QmpResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: QmpError };

export interface QmpGreeting {
  readonly version: {
    readonly qemu: { readonly major: number; readonly minor: number; readonly micro: number };
    readonly package: string;
  };
  readonly capabilities: readonly string[];
}

export interface QmpEvent {
  readonly event: string;
  readonly data?: Record<string, unknown>;
  readonly timestamp?: { readonly seconds: number; readonly microseconds: number };
}

export interface QmpConnectOptions {
  /** Keep retrying a missing or refusing socket for this long (the socket appears shortly after spawn). */
  readonly deadlineMs?: number;
  readonly retryMs?: number;
  /** Default timeout of each command, and of the greeting. */
  readonly commandTimeoutMs?: number;
  /** Stops connecting (e.g. when the process exited). */
  readonly signal?: AbortSignal;
}

const fail = (code: QmpErrorCode, message: string, cls?: string): { ok: false; error: QmpError } => ({
  ok: false,
  error: cls === undefined ? { code, message } : { code, message, class: cls },
});

interface Pending {
  readonly command: string;
  readonly resolve: (r: QmpResult<unknown>) => void;
  readonly timer: NodeJS.Timeout;
}

export class QmpClient {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly eventListeners = new Set<(e: QmpEvent) => void>();
  private readonly closeListeners = new Set<() => void>();
  private greetingWaiter: ((g: QmpGreeting) => void) | null = null;
  private isClosed = false;
  /** The greeting QEMU sent (set once connected). */
  greeting: QmpGreeting | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly commandTimeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(this.decoder.write(chunk)));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.handleClose());
  }

  /** Connects (retrying until the deadline), reads the greeting and negotiates capabilities. */
  static async connect(path: string, options: QmpConnectOptions = {}): Promise<QmpResult<QmpClient>> {
    const { deadlineMs = 10_000, retryMs = 25, commandTimeoutMs = 5_000, signal } = options;
    const sock = await connectUnix(path, { deadlineMs, retryMs, signal });
    if (!sock.ok) return sock;
    const client = new QmpClient(sock.value, commandTimeoutMs);
    const greeting = await client.waitGreeting(commandTimeoutMs, signal);
    if (!greeting.ok) {
      client.close();
      return greeting;
    }
    const caps = await client.execute('qmp_capabilities');
    if (!caps.ok) {
      client.close();
      return caps;
    }
    return { ok: true, value: client };
  }

  /** True once the socket is closed (by either side). */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Runs a command; resolves with its `return` value or a typed error (QEMU's, a timeout, or a closed socket). */
  execute<T = unknown>(
    command: string,
    args?: Record<string, unknown>,
    options: { timeoutMs?: number } = {},
  ): Promise<QmpResult<T>> {
    if (this.isClosed) return Promise.resolve(fail('CLOSED', `QMP connection closed before ${command}`));
    const id = `qnet-${this.nextId++}`;
    return new Promise<QmpResult<T>>((resolve) => {
      const timeoutMs = options.timeoutMs ?? this.commandTimeoutMs;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(fail('TIMEOUT', `${command} got no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (r: QmpResult<unknown>) => void, timer });
      const message = args === undefined ? { execute: command, id } : { execute: command, arguments: args, id };
      this.socket.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Calls `listener` with every asynchronous event until the returned function is called. */
  subscribe(listener: (event: QmpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => {
      this.eventListeners.delete(listener);
    };
  }

  /** Calls `listener` once the connection is closed (by either side). */
  onClose(listener: () => void): () => void {
    if (this.isClosed) {
      queueMicrotask(listener);
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => {
      this.closeListeners.delete(listener);
    };
  }

  /** Resolves once an event satisfying `match` arrives, or with TIMEOUT / CLOSED. */
  waitEvent(match: (event: QmpEvent) => boolean, timeoutMs: number): Promise<QmpResult<QmpEvent>> {
    return new Promise((resolve) => {
      const finish = (r: QmpResult<QmpEvent>) => {
        clearTimeout(timer);
        offEvent();
        offClose();
        resolve(r);
      };
      const timer = setTimeout(
        () => finish(fail('TIMEOUT', `no matching QMP event within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const offEvent = this.subscribe((e) => {
        if (match(e)) finish({ ok: true, value: e });
      });
      const offClose = this.onClose(() => finish(fail('CLOSED', 'QMP connection closed while waiting for an event')));
    });
  }

  /** Closes the connection; pending commands resolve with CLOSED. */
  close(): void {
    this.socket.destroy();
    this.handleClose();
  }

  private waitGreeting(timeoutMs: number, signal?: AbortSignal): Promise<QmpResult<QmpGreeting>> {
    if (this.greeting) return Promise.resolve({ ok: true, value: this.greeting });
    return new Promise((resolve) => {
      const finish = (r: QmpResult<QmpGreeting>) => {
        clearTimeout(timer);
        offClose();
        signal?.removeEventListener('abort', onAbort);
        this.greetingWaiter = null;
        resolve(r);
      };
      const onAbort = () => finish(fail('ABORTED', 'gave up waiting for the QMP greeting'));
      const timer = setTimeout(() => finish(fail('NO_GREETING', `no QMP greeting within ${timeoutMs} ms`)), timeoutMs);
      const offClose = this.onClose(() => finish(fail('NO_GREETING', 'the QMP socket closed before the greeting')));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.greetingWaiter = (g) => finish({ ok: true, value: g });
    });
  }

  private onData(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const trimmed = line.trim();
      if (trimmed !== '') this.onMessage(trimmed);
    }
  }

  private onMessage(line: string): void {
    let msg: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
      msg = parsed as Record<string, unknown>;
    } catch {
      return; // Not JSON: QMP never sends this; ignore rather than tear the session down.
    }
    if ('QMP' in msg) {
      this.greeting = msg.QMP as QmpGreeting;
      this.greetingWaiter?.(this.greeting);
      return;
    }
    if (typeof msg.event === 'string') {
      for (const listener of [...this.eventListeners]) {
        try {
          listener(msg as unknown as QmpEvent);
        } catch {
          // A subscriber's bug must not break the session.
        }
      }
      return;
    }
    if (!('return' in msg) && !('error' in msg)) return;
    // QEMU echoes our id; a reply without one answers input it could not parse, i.e. the oldest command in flight.
    const id = typeof msg.id === 'string' ? msg.id : this.pending.keys().next().value;
    const entry = id === undefined ? undefined : this.pending.get(id);
    if (!entry || id === undefined) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    if ('return' in msg) entry.resolve({ ok: true, value: msg.return });
    else {
      const err = (msg.error ?? {}) as { class?: unknown; desc?: unknown };
      const cls = typeof err.class === 'string' ? err.class : 'GenericError';
      const desc = typeof err.desc === 'string' ? err.desc : JSON.stringify(msg.error);
      entry.resolve(fail('COMMAND_FAILED', `${entry.command}: ${desc}`, cls));
    }
  }

  private handleClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      this.pending.delete(id);
      entry.resolve(fail('CLOSED', `QMP connection closed before ${entry.command} was answered`));
    }
    for (const listener of [...this.closeListeners]) listener();
    this.closeListeners.clear();
    this.eventListeners.clear();
  }
}
