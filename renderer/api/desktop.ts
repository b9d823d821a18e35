import type { QnetWindowApi } from '../../shared/desktop-api';

declare global {
  interface Window {
    /** Set by the Electron preload (electron/preload/preload.ts); absent in web mode. */
    readonly qnet?: QnetWindowApi;
  }
}

/** The desktop window's API (engine contract, menu actions, native files), or null in a browser (web mode). */
export function desktopApi(): QnetWindowApi | null {
  return typeof window !== 'undefined' && window.qnet ? window.qnet : null;
}
