import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CSP } from './csp';
import { APP_URL, appResponse } from './protocol';

vi.mock('electron', async () => (await import('../testkit/electron-fake')).fake.module);

const root = mkdtempSync(join(tmpdir(), 'qnet-protocol-'));
mkdirSync(join(root, 'assets'));
writeFileSync(join(root, 'index.html'), '<!doctype html><title>Qnet</title>');
writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(tmpdir(), 'qnet-protocol-secret.txt'), 'secret');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const routes = {
  '/api/target': () => ({ status: 200, body: { target: 'x86_64' } }),
  '/api/broken': () => {
    throw new Error('boom');
  },
};
const get = (url: string, method = 'GET') => appResponse(root, routes, { url, method });

describe('appResponse', () => {
  it('serves the page with the CSP', async () => {
    const res = await get(APP_URL);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(await res.text()).toContain('<title>Qnet</title>');
  });

  it('serves assets, and index.html for paths without an extension', async () => {
    const js = await get('qnet-app://studio/assets/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
    expect(await (await get('qnet-app://studio/some/route')).text()).toContain('Qnet');
    expect((await get('qnet-app://studio/missing.js')).status).toBe(404);
  });

  it('never serves a file outside the renderer', async () => {
    for (const path of [
      '/../qnet-protocol-secret.txt',
      '/%2e%2e/qnet-protocol-secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fqnet-protocol-secret.txt',
    ]) {
      const res = await get(`qnet-app://studio${path}`);
      expect(res.status, path).not.toBe(200);
      expect(await res.text()).not.toContain('secret"');
    }
    expect((await get('qnet-app://studio/a%00b')).status).toBe(400);
  });

  it('answers /api/ from the web routes, as JSON', async () => {
    const res = await get('qnet-app://studio/api/target?x=1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ target: 'x86_64' });
    expect((await get('qnet-app://studio/api/nope')).status).toBe(404);
    const broken = await get('qnet-app://studio/api/broken');
    expect(broken.status).toBe(500);
    expect(await broken.json()).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
  });

  it('refuses other hosts and methods', async () => {
    expect((await get('qnet-app://other/index.html')).status).toBe(404);
    expect((await get(APP_URL, 'POST')).status).toBe(405);
  });
});
