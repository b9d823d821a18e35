/**
 * The control socket's wire format: the EngineApi of shared/api.ts as JSON lines over a unix socket, so other
 * `qnet` invocations (status, console, down), the web server and a second window reach a running engine.
 *
 * Each engine process listens at `<stateDir>/engine-<pid>.sock` (mode 0600, in a directory of its user's alone,
 * state-dir.ts): one socket per engine, not per lab, because one engine (the desktop app) may run several labs and
 * can be asked to launch more. Clients find engines by listing `engine-*.sock` and asking each for its `list`.
 *
 * Who is on the other end. Node has no SO_PEERCRED, so each side proves its user through the file system:
 * - the engine writes a random key to `engine-<pid>.key` (0600, O_EXCL, never through a link) beside its socket,
 *   and serves a connection only once its first line is `{"auth": KEY}` (nothing, not even the hello, before): only
 *   a process that can read that file (the engine's user, or root) gets in, whatever the socket file's mode, the
 *   namespace, or a mistake in a directory's permissions;
 * - a client uses a socket only when its directory is the user's alone, and the socket and the key file are the
 *   user's own: a socket someone else planted is ignored (and reported), and the key never sent to it.
 *
 * client → server   {"auth": "KEY"}                    (first line of every connection)
 *                   {"id": 1, "request": {"type": "status", "lab": "x"}}
 *                   {"id": 2, "events": true}          (start or stop pushing non-console events to this connection)
 * server → client   {"hello": {"protocol": 1, "pid": 42, "exitsAfterStop": true}}   (first line of every connection)
 *                   {"id": 1, "result": {"ok": true, ...}}   (exactly one per id, in any order)
 *                   {"event": {"type": "vmState", ...}}
 * `exitsAfterStop` says the engine ends once its labs are stopped (`qnet up`), so `qnet down` waits for it to go.
 * A line that is not JSON, has no usable id, or holds an invalid request is answered with an INVALID_REQUEST
 * result (id null when none could be read); the connection stays open.
 */
import { StringDecoder } from 'node:string_decoder';
import { basename, join } from 'node:path';
import type { EngineEvent, EngineRequest, Result } from '../../shared/api';
import { parseLaunchOptions } from '../../shared/launchOptions';
import { MAX_TOPOLOGY_BYTES } from '../../shared/model/limits';

export const CONTROL_PROTOCOL = 1;

/** A request line's id: what the client chose, echoed in the result. */
export type ControlId = string | number;

export type ClientMessage =
  { readonly id: ControlId; readonly request: EngineRequest } | { readonly id: ControlId; readonly events: boolean };

/** What a server says first: who it is. */
export interface ControlHello {
  readonly protocol: number;
  readonly pid: number;
  readonly exitsAfterStop: boolean;
}

export type ServerMessage =
  | { readonly id: ControlId | null; readonly result: Result }
  | { readonly event: EngineEvent }
  | { readonly hello: ControlHello };

/** Longest line either side accepts (a console paste, a whole topology document at its cap, with room for the rest). */
export const MAX_LINE = MAX_TOPOLOGY_BYTES + 1024 * 1024;

/** The control socket of the engine running as `pid` under a base state directory. */
export function controlSocketPath(stateDir: string, pid: number = process.pid): string {
  return join(stateDir, `engine-${pid}.sock`);
}

/** The key file beside a control socket (see the file comment). */
export function controlKeyPath(socket: string): string {
  return socket.replace(/\.sock$/, '.key');
}

/** How long a connection may take to send its key line before the engine drops it. */
export const AUTH_TIMEOUT_MS = 5_000;

/** The engine pid in a control socket's file name, or null when the name is not one. */
export function pidOfControlSocket(path: string): number | null {
  const m = /^engine-(\d+)\.sock$/.exec(basename(path));
  return m ? Number(m[1]) : null;
}

/** Splits a byte stream into lines (UTF-8 safe); reports a line longer than `max` once and drops it. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private overflow = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: () => void,
    private readonly max = MAX_LINE,
  ) {}

  push(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl < 0) break;
      // A line that ends in the chunk that makes it too long is as long as one that overflowed before its end.
      const tooLong = !this.overflow && this.pending.length + nl > this.max;
      if (tooLong) this.onOverflow();
      const skipped = this.overflow || tooLong;
      const line = skipped ? '' : this.pending + text.slice(0, nl);
      this.pending = '';
      this.overflow = false;
      text = text.slice(nl + 1);
      if (!skipped && line.trim() !== '') this.onLine(line);
    }
    if (this.overflow) return;
    this.pending += text;
    if (this.pending.length > this.max) {
      this.pending = '';
      this.overflow = true;
      this.onOverflow();
    }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isName = (v: unknown) => typeof v === 'string' && v !== '';
const isSeq = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function checkSource(v: unknown): string | null {
  if (!isObject(v)) return 'source must be an object';
  if (v.kind === 'yaml')
    return typeof v.text === 'string' && (v.path === undefined || typeof v.path === 'string')
      ? null
      : 'a yaml source needs text (and an optional path) as strings';
  if (v.kind === 'document') return isObject(v.topology) ? null : 'a document source needs a topology object';
  return 'source.kind must be "yaml" or "document"';
}

function checkOptions(v: unknown): string | null {
  const r = parseLaunchOptions(v);
  return r.ok ? null : r.message;
}

const labVm = (r: Record<string, unknown>) =>
  isName(r.lab) && isName(r.vm) ? null : `${String(r.type)} needs lab and vm names`;
const lab = (r: Record<string, unknown>) => (isName(r.lab) ? null : `${String(r.type)} needs a lab name`);

const CHECKS: Record<EngineRequest['type'], (r: Record<string, unknown>) => string | null> = {
  preflight: (r) => checkSource(r.source) ?? checkOptions(r.options),
  launch: (r) => checkSource(r.source) ?? checkOptions(r.options),
  stop: lab,
  status: lab,
  list: () => null,
  logs: lab,
  consoleSubscribe: (r) =>
    labVm(r) ?? (r.fromSeq === undefined || isSeq(r.fromSeq) ? null : 'fromSeq must be a byte offset (integer >= 0)'),
  consoleUnsubscribe: (r) => (isName(r.subscription) ? null : 'consoleUnsubscribe needs a subscription id'),
  consoleInput: (r) => labVm(r) ?? (typeof r.data === 'string' ? null : 'consoleInput needs data as a string'),
  consoleRead: (r) => labVm(r) ?? (isSeq(r.fromSeq) ? null : 'fromSeq must be a byte offset (integer >= 0)'),
};

/** Reads one client line: the message, or why it is invalid (with the id when one could be read). */
export function parseClientLine(
  line: string,
):
  | { readonly ok: true; readonly message: ClientMessage }
  | { readonly ok: false; readonly id: ControlId | null; readonly message: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, id: null, message: 'not a JSON line' };
  }
  if (!isObject(value)) return { ok: false, id: null, message: 'a message must be a JSON object' };
  const { id } = value;
  if (!((typeof id === 'number' && Number.isFinite(id)) || (typeof id === 'string' && id !== ''))) {
    return { ok: false, id: null, message: 'a message needs an id (a number or a non-empty string)' };
  }
  if ('events' in value) {
    return typeof value.events === 'boolean'
      ? { ok: true, message: { id, events: value.events } }
      : { ok: false, id, message: 'events must be true or false' };
  }
  const request = value.request;
  if (!isObject(request) || typeof request.type !== 'string')
    return { ok: false, id, message: 'a message needs a request with a type' };
  const check = Object.hasOwn(CHECKS, request.type) ? CHECKS[request.type as EngineRequest['type']] : undefined;
  if (!check) return { ok: false, id, message: `unknown request type "${request.type}"` };
  const problem = check(request);
  if (problem) return { ok: false, id, message: problem };
  return { ok: true, message: { id, request: request as unknown as EngineRequest } };
}

/** Reads one server line, or null when it is not one (the client ignores such lines). */
export function parseServerLine(line: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  if (isObject(value.event) && typeof value.event.type === 'string')
    return { event: value.event as unknown as EngineEvent };
  if (isObject(value.hello) && typeof value.hello.protocol === 'number') {
    const h = value.hello;
    return {
      hello: {
        protocol: h.protocol as number,
        pid: typeof h.pid === 'number' ? h.pid : 0,
        exitsAfterStop: h.exitsAfterStop === true,
      },
    };
  }
  if ('id' in value && isObject(value.result) && typeof value.result.ok === 'boolean') {
    return { id: (value.id ?? null) as ControlId | null, result: value.result as unknown as Result };
  }
  return null;
}
