import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './server';

let root = '';
let server: RunningServer;

/** A raw GET (fetch would normalize the path and forbids setting Host). */
function get(
  path: string,
  headers: Record<string, string> = {},
  port = server.port,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'qnet-web-'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    root,
    routes: { '/api/ping': () => ({ status: 200, body: { pong: true } }) },
  });
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('web server', () => {
  it('prints a loopback URL with a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  });

  it('answers 401 under /api/ without the token, whatever the path or method', async () => {
    for (const path of ['/api/ping', '/api/x/y', '/api', '/api/%2e%2e/ping', `/api/ping?token=${server.token}`])
      expect((await get(path)).status, path).toBe(401);
    expect((await get('/api/ping', { 'x-qnet-token': server.token })).status).toBe(200);
  });

  it('refuses a Host that is not this server (DNS rebinding) and a foreign Origin', async () => {
    const t = { 'x-qnet-token': server.token };
    expect((await get('/api/ping', { ...t, host: `evil.example:${server.port}` })).status).toBe(421);
    expect((await get('/api/ping', { ...t, origin: 'http://evil.example' })).status).toBe(403);
    expect((await get('/api/ping', { ...t, origin: `http://127.0.0.1:${server.port}` })).status).toBe(200);
  });

  it('bound to every interface, answers a Host naming any address of this machine, and still refuses others', async () => {
    const wide = await startServer({
      port: 0,
      host: '0.0.0.0',
      root,
      routes: { '/api/ping': () => ({ status: 200, body: {} }) },
    });
    try {
      const addresses = Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((a) => a.address));
      const shown = new URL(wide.url).hostname;
      expect(shown).not.toBe('0.0.0.0');
      expect([...addresses, '127.0.0.1']).toContain(shown);
      const t = { 'x-qnet-token': wide.token };
      const at = (host: string) =>
        get('/api/ping', { ...t, host: `${host.includes(':') ? `[${host}]` : host}:${wide.port}` }, wide.port);
      for (const a of addresses) expect((await at(a)).status, a).toBe(200);
      expect((await at('evil.example')).status).toBe(421);
      expect((await at('0.0.0.0')).status).toBe(421);
    } finally {
      await wide.close();
    }
  });

  it('serves the page with a CSP and never a file outside its root', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>t</title>');
    expect((await get('/../../../../etc/passwd')).body).not.toContain('root:');
    expect((await get('/%2e%2e/%2e%2e/etc/passwd')).body).not.toContain('root:');
    expect((await get('/..%2f..%2fetc%2fpasswd')).body).not.toContain('root:');
    expect((await get('/missing.js')).status).toBe(404);
  });
});
