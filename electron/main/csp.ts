/**
 * The desktop window's Content-Security-Policy. The page is served by main on its own scheme (protocol.ts), so
 * 'self' means exactly our built renderer: no inline or remote scripts, no eval, no plugins, no frames, no
 * network but our own origin. style-src needs no 'unsafe-inline': React and React Flow set styles through the
 * CSSOM (element.style), which CSP does not govern, and neither injects <style> elements or style="" markup.
 */
import type { Session } from 'electron';

/** The policy's directives, in the order they are sent. */
const CSP_DIRECTIVES: readonly (readonly [string, ...string[]])[] = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['connect-src', "'self'"],
  ['img-src', "'self'", 'data:', 'blob:'],
  ['font-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-src', "'none'"],
  ['frame-ancestors', "'none'"],
];

/** The Content-Security-Policy header value. */
export const CSP = CSP_DIRECTIVES.map((d) => d.join(' ')).join('; ');

/** `headers` with our CSP in place of any the response carried (header names compare case-insensitively). */
export function withCsp(headers: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = value;
  }
  out['Content-Security-Policy'] = CSP;
  out['X-Content-Type-Options'] = 'nosniff';
  return out;
}

/** Puts the CSP on every response the window's session receives, whatever served it. */
export class CspManager {
  constructor(private readonly session: () => Session) {}

  initialize(): void {
    this.session().webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: withCsp(details.responseHeaders) });
    });
  }

  dispose(): void {
    this.session().webRequest.onHeadersReceived(null);
  }
}
