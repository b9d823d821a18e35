import type { Session } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { CSP, CspManager, withCsp } from './csp';

describe('CSP', () => {
  it('is the strict policy: our origin only, no inline script, no plugins, no base, not framed', () => {
    expect(CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:; font-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-src 'none'; frame-ancestors 'none'",
    );
    expect(CSP).not.toMatch(/unsafe-(inline|eval)/);
  });

  it('replaces any policy a response carried, whatever the header’s case', () => {
    const headers = withCsp({ 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] });
    expect(headers).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
    });
  });

  it('is put on every response of the session', () => {
    let listener: ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null =
      null;
    const session = { webRequest: { onHeadersReceived: vi.fn((l) => (listener = l)) } };
    const m = new CspManager(() => session as unknown as Session);
    m.initialize();
    const cb = vi.fn();
    listener!({ responseHeaders: { 'Content-Security-Policy': ["script-src 'unsafe-inline'"] } }, cb);
    expect(cb).toHaveBeenCalledWith({ responseHeaders: expect.objectContaining({ 'Content-Security-Policy': CSP }) });
    listener!({}, cb);
    expect(cb).toHaveBeenLastCalledWith({
      responseHeaders: expect.objectContaining({ 'Content-Security-Policy': CSP }),
    });
    m.dispose();
    expect(session.webRequest.onHeadersReceived).toHaveBeenLastCalledWith(null);
  });
});
