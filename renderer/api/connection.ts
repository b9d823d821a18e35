/**
 * The page's connection to its server as a store, so the toolbar, the banner and the lab actions read it: in web
 * mode the WebSocket client's status, in the desktop window always connected.
 */
import { create } from 'zustand';
import { connectionStatus, onConnectionStatus, type ConnectionStatus } from './engine';

export const useConnection = create<{ readonly status: ConnectionStatus }>()(() => ({
  status: { state: 'connecting' },
}));

let following = false;

/** Starts mirroring the engine's connection status into the store (once per page). */
export function followConnection(): void {
  if (following) return;
  following = true;
  useConnection.setState({ status: connectionStatus() });
  onConnectionStatus((status) => useConnection.setState({ status }));
}

/** Whether the page lost its server: requests fail at once until it is back (before the first connection they wait). */
export const isOffline = (): boolean => useConnection.getState().status.state === 'disconnected';

/** The sentence an action that needs the server shows while the page is not connected. */
export function notConnectedReason(action: string): string {
  const s = useConnection.getState().status;
  if (s.state === 'disconnected' && s.refused)
    return `Cannot ${action}: the server refuses this page's token (it was restarted): open the URL qnet serve printed`;
  return `Cannot ${action}: not connected to the server (qnet serve); the page keeps trying to reconnect`;
}
