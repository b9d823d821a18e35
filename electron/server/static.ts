import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/** The page's CSP: everything from this origin only (the WebSocket included), no inline scripts. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Where a request path leads under the renderer root: a file with its content type, or why not (and the status). */
export type StaticFile =
  | { readonly ok: true; readonly file: string; readonly contentType: string }
  | { readonly ok: false; readonly status: 400 | 403 | 404; readonly reason: 'bad path' | 'forbidden' | 'not found' };

/**
 * Resolves a URL path to a file of the built renderer, for web mode and the desktop window alike. Paths are
 * decoded and normalized and must stay under `root`; unknown paths without an extension get index.html (one-page
 * app), anything else missing is not found.
 */
export async function resolveStaticFile(root: string, urlPath: string): Promise<StaticFile> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return { ok: false, status: 400, reason: 'bad path' };
  }
  if (rel.includes('\0')) return { ok: false, status: 400, reason: 'bad path' };
  const file = normalize(join(root, rel === '/' ? 'index.html' : rel));
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep))
    return { ok: false, status: 403, reason: 'forbidden' };
  const target = (await isFile(file)) ? file : extname(file) === '' ? join(root, 'index.html') : null;
  if (!target || !(await isFile(target))) return { ok: false, status: 404, reason: 'not found' };
  return { ok: true, file: target, contentType: TYPES[extname(target)] ?? 'application/octet-stream' };
}

/** Serves a file of the built renderer (see resolveStaticFile), with the page's CSP on HTML. */
export async function serveStatic(root: string, urlPath: string, res: ServerResponse): Promise<void> {
  const found = await resolveStaticFile(root, urlPath);
  if (!found.ok) {
    if (found.status === 404) res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(found.reason);
    else res.writeHead(found.status).end(found.reason);
    return;
  }
  const body = await readFile(found.file);
  const html = found.file.endsWith('.html');
  res.writeHead(200, {
    'content-type': found.contentType,
    'cache-control': html ? 'no-store' : 'public, max-age=3600',
    'x-content-type-options': 'nosniff',
    ...(html ? { 'content-security-policy': CSP, 'referrer-policy': 'no-referrer' } : {}),
  });
  res.end(body);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
