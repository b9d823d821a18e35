/**
 * The engine contract (api.ts) as messages on a line-based wire: JSON objects, one per line of the control socket
 * (electron/engine/control-socket.ts) or per message of `qnet serve`'s /api/ws. Electron IPC carries the requests
 * themselves and checks them with `checkRequest`, so every transport accepts exactly the same requests.
 *
 * client → server   {"id": 1, "request": {"type": "status", "lab": "x"}}
 *                   {"id": 2, "events": true}          (start or stop pushing non-console events to this client)
 * server → client   {"hello": {"protocol": 1, "pid": 42, "exitsAfterStop": true}}   (first message of every connection)
 *                   {"id": 1, "result": {"ok": true, ...}}   (exactly one per id, in any order)
 *                   {"event": {"type": "vmState", ...}}
 * `exitsAfterStop` says the engine ends once its labs are stopped (`qnet up`), so `qnet down` waits for it to go.
 * Console events reach a client only for guests it holds a console subscription on.
 * A message that is not JSON, has no usable id, or holds an invalid request is answered with an INVALID_REQUEST
 * result (id null when none could be read); the connection stays open.
 */
import { SNAPSHOT_NAME, type EngineEvent, type EngineRequest, type Result } from './api';
import { parseLaunchOptions } from './launchOptions';
import { MAX_TOPOLOGY_BYTES } from './model/limits';
import { LinkShaping } from './model/schema';

/** The wire's version, told in the hello. */
export const CONTROL_PROTOCOL = 1;

/** A request message's id: what the client chose, echoed in the result. */
export type ControlId = string | number;

/** What a client sends: a request, or whether it wants the non-console events. */
export type ClientMessage =
  { readonly id: ControlId; readonly request: EngineRequest } | { readonly id: ControlId; readonly events: boolean };

/** What a server says first: who it is. */
export interface ControlHello {
  readonly protocol: number;
  readonly pid: number;
  readonly exitsAfterStop: boolean;
}

/** What a server sends: a result, an event, or its hello. */
export type ServerMessage =
  | { readonly id: ControlId | null; readonly result: Result }
  | { readonly event: EngineEvent }
  | { readonly hello: ControlHello };

/** Longest message either side accepts (a console paste, a whole topology document at its cap, with room for the rest). */
export const MAX_LINE = MAX_TOPOLOGY_BYTES + 1024 * 1024;

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
  captureStart: (r) => (isName(r.lab) && isName(r.link) ? null : 'captureStart needs lab and link names'),
  captureStop: (r) => (isName(r.lab) && isName(r.link) ? null : 'captureStop needs lab and link names'),
  captureFile: (r) => (isName(r.lab) && isName(r.link) ? null : 'captureFile needs lab and link names'),
  capturePackets: (r) =>
    !isName(r.lab) || !isName(r.link)
      ? 'capturePackets needs lab and link names'
      : r.filter !== undefined && (typeof r.filter !== 'string' || r.filter.length > 2000)
        ? 'filter must be a display filter of at most 2000 characters'
        : r.after === undefined || isSeq(r.after)
          ? null
          : 'after must be a frame number (integer >= 0)',
  setLink: (r) =>
    isName(r.lab) && isName(r.link)
      ? typeof r.up === 'boolean'
        ? null
        : 'setLink needs up as true or false'
      : 'setLink needs lab and link names',
  setShaping: (r) => {
    if (!isName(r.lab) || !isName(r.link)) return 'setShaping needs lab and link names';
    const s = LinkShaping.safeParse(r.shaping);
    if (s.success) return null;
    const issue = s.error.issues[0];
    return `shaping${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`;
  },
  vmControl: (r) =>
    labVm(r) ??
    (r.action === 'start' || r.action === 'stop' || r.action === 'restart'
      ? null
      : 'vmControl needs action start, stop or restart'),
  labSnapshot: (r) =>
    lab(r) ??
    (r.action === 'list'
      ? null
      : r.action !== 'save' && r.action !== 'load' && r.action !== 'delete'
        ? 'labSnapshot needs action save, load, delete or list'
        : typeof r.name === 'string' && SNAPSHOT_NAME.test(r.name)
          ? null
          : 'a snapshot name is 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit'),
};

/** Checks a parsed JSON value as an EngineRequest: the request, or a sentence saying what is wrong. */
export function checkRequest(
  value: unknown,
): { readonly ok: true; readonly request: EngineRequest } | { readonly ok: false; readonly message: string } {
  if (!isObject(value) || typeof value.type !== 'string')
    return { ok: false, message: 'a message needs a request with a type' };
  const check = Object.hasOwn(CHECKS, value.type) ? CHECKS[value.type as EngineRequest['type']] : undefined;
  if (!check) return { ok: false, message: `unknown request type "${value.type}"` };
  const problem = check(value);
  return problem ? { ok: false, message: problem } : { ok: true, request: value as unknown as EngineRequest };
}

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
  const checked = checkRequest(value.request);
  return checked.ok
    ? { ok: true, message: { id, request: checked.request } }
    : { ok: false, id, message: checked.message };
}

/** Reads one server line, or null when it is not one (a client ignores such lines). */
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
