/**
 * Serves the built renderer (dist/renderer) to the window on a scheme of our own, `qnet-app://studio/`, instead of
 * file://: the page gets a real origin (so the CSP's 'self' means our files only, and nothing else on disk), and
 * its GET /api/* calls reach the same routes web mode serves (electron/server/routes.ts), without a token: no
 * other page can reach this scheme, and navigation away from it is blocked (window.ts).
 */
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { fail } from '../../shared/api';
import type { Route } from '../server/server';
import { resolveStaticFile } from '../server/static';
import { CSP } from './csp';

const APP_SCHEME = 'qnet-app';
export const APP_ORIGIN = `${APP_SCHEME}://studio`;
/** What the window loads. */
export const APP_URL = `${APP_ORIGIN}/index.html`;

const HEADERS = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...HEADERS, 'content-type': 'application/json; charset=utf-8' },
  });
}

/**
 * Answers one request of the page: `/api/<route>` from `routes`, anything else a file under `root` (a path with no
 * extension gets index.html; a path escaping `root` is refused). Only GET, only our own origin.
 */
export async function appResponse(
  root: string,
  routes: Readonly<Record<string, Route>>,
  request: { url: string; method: string },
): Promise<Response> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return json(400, fail('INVALID_REQUEST', 'bad URL'));
  }
  // A custom scheme's URL has an opaque origin in WHATWG terms: compare scheme and host.
  if (`${url.protocol}//${url.host}` !== APP_ORIGIN) return json(404, fail('INVALID_REQUEST', 'unknown host'));
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return json(405, fail('INVALID_REQUEST', `${request.method} is not allowed here`));
  const raw = url.pathname;
  if (raw === '/api' || raw.startsWith('/api/')) {
    const route = routes[raw];
    if (!route) return json(404, fail('INVALID_REQUEST', `no such route ${raw}`));
    try {
      const result = await route(url.searchParams);
      return json(result.status, result.body);
    } catch (error) {
      return json(500, fail('INTERNAL', error instanceof Error ? error.message : String(error)));
    }
  }
  const found = await resolveStaticFile(root, raw);
  if (!found.ok) return json(found.status, fail('INVALID_REQUEST', found.reason));
  return new Response(await readFile(found.file), {
    status: 200,
    headers: { ...HEADERS, 'content-type': found.contentType },
  });
}

/** Must run before the app is ready: the scheme is standard (relative URLs, an origin) and secure, with fetch. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Serves the renderer on the app scheme while initialized. */
export class ProtocolManager {
  constructor(
    private readonly root: string,
    private readonly routes: () => Readonly<Record<string, Route>>,
  ) {}

  initialize(): void {
    let routes: Readonly<Record<string, Route>> | null = null;
    protocol.handle(APP_SCHEME, (request) => appResponse(this.root, (routes ??= this.routes()), request));
  }

  dispose(): void {
    protocol.unhandle(APP_SCHEME);
  }
}
