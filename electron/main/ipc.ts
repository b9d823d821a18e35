/**
 * The shared/api.ts contract over Electron IPC: each attached page (one per window) is one ControlSession
 * (electron/engine/control-session.ts), as a control socket connection or a browser tab is. `qnet:request` is
 * answered with the engine's Result unchanged, events go as `qnet:event` to every attached page, console events only
 * to a page holding a subscription on that guest. A payload that is not a valid request (shared/wire.ts), or one
 * sent by anything but the main frame of an attached page of ours, is answered with INVALID_REQUEST; nothing is
 * ever thrown across the boundary. A page that reloads loses its console subscriptions; one that goes away (its
 * window closed) is detached.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { fail, type EngineApi, type EngineEvent, type EngineRequest, type Result } from '../../shared/api';
import { IPC, TEXT_EDIT_OPS, type DesktopRequest, type MenuAction } from '../../shared/desktop-api';
import { checkRequest, MAX_LINE } from '../../shared/wire';
import { createControlSession, type ControlSession } from '../../shared/control-session';
import { isAppUrl } from './window';

type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * Checks an IPC payload as an EngineRequest with the wire's own rules (one set for every transport). IPC's
 * structured clone carries more than JSON can (cycles, Maps, Dates): the engine gets the JSON the request would be
 * on a socket, so every transport hands it the same data.
 */
export function checkEngineRequest(payload: unknown): Checked<EngineRequest> {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch {
    return { ok: false, message: 'a request must be plain JSON data' };
  }
  if (text !== undefined && text.length > MAX_LINE) return { ok: false, message: 'request too large' };
  const checked = checkRequest(text === undefined ? undefined : JSON.parse(text));
  return checked.ok ? { ok: true, value: checked.request } : { ok: false, message: checked.message };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optString = (v: unknown) => v === undefined || typeof v === 'string';

/** Checks an IPC payload as a DesktopRequest. */
export function checkDesktopRequest(payload: unknown): Checked<DesktopRequest> {
  if (!isObject(payload) || typeof payload.type !== 'string')
    return { ok: false, message: 'a desktop request needs a type' };
  const ok = { ok: true, value: payload as unknown as DesktopRequest } as const;
  switch (payload.type) {
    case 'ready':
    case 'recentFiles':
      return ok;
    case 'openFile':
      return [undefined, 'topology', 'import'].includes(payload.purpose as string | undefined)
        ? ok
        : { ok: false, message: 'openFile purpose must be topology or import' };
    case 'readFile':
      return typeof payload.path === 'string' && payload.path !== ''
        ? ok
        : { ok: false, message: 'readFile needs a path' };
    case 'saveFile':
    case 'saveFileAs':
      if (typeof payload.text !== 'string') return { ok: false, message: `${payload.type} needs the text to write` };
      if (!optString(payload.suggestedName) || (payload.type === 'saveFile' && !optString(payload.path)))
        return { ok: false, message: 'path and suggestedName must be strings' };
      return ok;
    case 'documentState':
      return typeof payload.dirty === 'boolean' && (payload.path === null || typeof payload.path === 'string')
        ? ok
        : { ok: false, message: 'documentState needs dirty (boolean) and path (string or null)' };
    case 'menuState': {
      const e = payload.enabled;
      const fine =
        isObject(e) &&
        Object.keys(e).length <= 200 &&
        Object.entries(e).every(([k, v]) => k.length <= 64 && typeof v === 'boolean');
      return fine ? ok : { ok: false, message: 'menuState needs enabled: action names to booleans' };
    }
    case 'editText':
      return (TEXT_EDIT_OPS as readonly unknown[]).includes(payload.op)
        ? ok
        : { ok: false, message: `editText needs op, one of ${TEXT_EDIT_OPS.join(', ')}` };
    default:
      return { ok: false, message: `unknown desktop request "${payload.type}"` };
  }
}

type Client = {
  readonly contents: WebContents;
  /** The page's session with the engine: a new one each time the page loads. */
  session: ControlSession;
  /** Actions held until the page says it listens (`ready`); null once it does. */
  queued: MenuAction[] | null;
  readonly detach: () => void;
};

/** Serves desktop requests (dialogs.ts) for one page. */
export type DesktopHandler = (request: DesktopRequest, sender: WebContents) => Promise<Result>;

export class IpcManager {
  private readonly clients = new Map<number, Client>();
  private unsubscribeEngine: (() => void) | null = null;

  constructor(
    private readonly engine: EngineApi,
    private readonly desktop: DesktopHandler,
  ) {}

  initialize(): void {
    this.unsubscribeEngine = this.engine.subscribe((event) => this.forward(event));
    ipcMain.handle(IPC.request, (event, payload: unknown) => this.onRequest(event, payload));
    ipcMain.handle(IPC.desktop, (event, payload: unknown) => this.onDesktop(event, payload));
  }

  /**
   * Lets `contents` (one window's page; any number may be attached) talk to the engine and receive its events. Its
   * console subscriptions end when it reloads; when it goes away it is detached altogether.
   */
  attach(contents: WebContents): void {
    if (this.clients.has(contents.id)) return;
    const session = () =>
      createControlSession(
        this.engine,
        (message) => {
          if ('event' in message && !contents.isDestroyed()) contents.send(IPC.event, message.event);
        },
        { events: true },
      );
    const onNavigate = (details: { isMainFrame: boolean; isSameDocument: boolean }) => {
      if (!details.isMainFrame || details.isSameDocument) return;
      client.session.close();
      client.session = session();
      client.queued ??= []; // a new page: it says when it listens
    };
    const onDestroyed = () => {
      client.detach();
      this.clients.delete(contents.id);
    };
    const client: Client = {
      contents,
      session: session(),
      queued: [],
      detach: () => {
        contents.off('did-start-navigation', onNavigate);
        contents.off('destroyed', onDestroyed);
        client.session.close();
      },
    };
    this.clients.set(contents.id, client);
    contents.on('did-start-navigation', onNavigate);
    contents.once('destroyed', onDestroyed);
  }

  /**
   * Sends a menu action to the page in `to` (the focused window's, or the one a close prompt asked to save); a page
   * not listening yet gets it on `ready`, a page not attached (or gone) never.
   */
  sendAction(action: MenuAction, to: WebContents): void {
    const client = this.clients.get(to.id);
    if (!client || client.contents.isDestroyed()) return;
    if (client.queued) client.queued.push(action);
    else client.contents.send(IPC.action, action);
  }

  dispose(): void {
    ipcMain.removeHandler(IPC.request);
    ipcMain.removeHandler(IPC.desktop);
    this.unsubscribeEngine?.();
    this.unsubscribeEngine = null;
    for (const client of [...this.clients.values()]) client.detach();
    this.clients.clear();
  }

  /** The client behind an IPC call, when it comes from the main frame of an attached page showing our origin. */
  private clientOf(event: IpcMainInvokeEvent): Client | null {
    const client = this.clients.get(event.sender.id);
    const frame = event.senderFrame;
    if (!client || !frame || frame !== event.sender.mainFrame || !isAppUrl(frame.url)) return null;
    return client;
  }

  private async onRequest(event: IpcMainInvokeEvent, payload: unknown): Promise<Result> {
    const client = this.clientOf(event);
    if (!client) return fail('INVALID_REQUEST', 'requests are accepted from the Qnet Studio page only');
    const checked = checkEngineRequest(payload);
    if (!checked.ok) return fail('INVALID_REQUEST', checked.message);
    return client.session.request(checked.value);
  }

  private async onDesktop(event: IpcMainInvokeEvent, payload: unknown): Promise<Result> {
    const client = this.clientOf(event);
    if (!client) return fail('INVALID_REQUEST', 'requests are accepted from the Qnet Studio page only');
    const checked = checkDesktopRequest(payload);
    if (!checked.ok) return fail('INVALID_REQUEST', checked.message);
    if (checked.value.type === 'ready') {
      const actions = client.queued ?? [];
      client.queued = null;
      const answer: Result<{ actions: readonly MenuAction[] }> = { ok: true, actions };
      return answer;
    }
    try {
      return await this.desktop(checked.value, client.contents);
    } catch (err) {
      return fail('INTERNAL', `${checked.value.type} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private forward(event: EngineEvent): void {
    for (const client of this.clients.values()) client.session.event(event);
  }
}
