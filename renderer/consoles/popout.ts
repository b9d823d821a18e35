import { apiToken } from '../api/client';

/**
 * A guest console in a window of its own: the page's URL with `console` (the lab) and `vm` set, which main.tsx
 * renders as that one terminal. In web mode a browser window (or tab) of the same origin, so it reaches the same
 * `qnet serve` with the page's token; in the desktop window main opens it as a window with the same lockdown.
 */

/** Which guest a page shows on its own, from its query string; null for the editor. */
export function consoleTarget(search: string): { lab: string; vm: string } | null {
  const q = new URLSearchParams(search);
  const lab = q.get('console');
  const vm = q.get('vm');
  return lab && vm ? { lab, vm } : null;
}

/** The URL of a guest's own console page, beside `page` (the editor's URL), carrying its token when it has one. */
export function consoleUrl(page: string, lab: string, vm: string, token: string | null): string {
  const url = new URL(page);
  url.search = '';
  url.hash = '';
  if (token) url.searchParams.set('token', token);
  url.searchParams.set('console', lab);
  url.searchParams.set('vm', vm);
  return url.toString();
}

/** The window name of a guest's console: popping the same guest out again brings its window back. */
export const consoleWindowName = (lab: string, vm: string): string => `qnet-console:${lab}/${vm}`;

/** Opens (or brings back) a guest's console in a window of its own. */
export function popOutConsole(lab: string, vm: string): void {
  const url = consoleUrl(window.location.href, lab, vm, apiToken());
  window.open(url, consoleWindowName(lab, vm), 'popup,width=900,height=560');
}
