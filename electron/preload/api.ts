/**
 * `window.qnet` built over an ipcRenderer: exactly the QnetWindowApi of shared/desktop-api.ts. Listeners get the
 * payload only, never the IPC event (its `sender` is ipcRenderer itself); every subscription returns its
 * unsubscribe; requests never reject.
 */
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import { fail, type EngineEvent, type EngineRequest, type ResponseOf } from '../../shared/api';
import {
  IPC,
  type DesktopRequest,
  type DesktopResponseOf,
  type MenuAction,
  type QnetWindowApi,
} from '../../shared/desktop-api';

type Ipc = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

const isAction = (v: unknown): v is MenuAction =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as MenuAction).name === 'string' &&
  ((v as MenuAction).path === undefined || typeof (v as MenuAction).path === 'string');
const isEvent = (v: unknown): v is EngineEvent =>
  typeof v === 'object' && v !== null && typeof (v as EngineEvent).type === 'string';

function listen<T>(
  ipc: Ipc,
  channel: string,
  accept: (v: unknown) => v is T,
  listener: (value: T) => void,
): () => void {
  const handler = (_event: IpcRendererEvent, value: unknown) => {
    if (accept(value)) listener(value);
  };
  ipc.on(channel, handler);
  let on = true;
  return () => {
    if (on) ipc.removeListener(channel, handler);
    on = false;
  };
}

async function invoke<T>(ipc: Ipc, channel: string, request: { type: string }): Promise<T> {
  try {
    return (await ipc.invoke(channel, request)) as T;
  } catch (err) {
    return fail('INTERNAL', `${request.type}: ${err instanceof Error ? err.message : String(err)}`) as T;
  }
}

/** The API the preload exposes as `window.qnet`. */
export function windowApi(ipc: Ipc): QnetWindowApi {
  return Object.freeze({
    request: <R extends EngineRequest>(request: R) => invoke<ResponseOf<R>>(ipc, IPC.request, request),
    subscribe: (listener: (event: EngineEvent) => void) => listen(ipc, IPC.event, isEvent, listener),
    onAction: (listener: (action: MenuAction) => void) => listen(ipc, IPC.action, isAction, listener),
    desktop: <R extends DesktopRequest>(request: R) => invoke<DesktopResponseOf<R>>(ipc, IPC.desktop, request),
  });
}
