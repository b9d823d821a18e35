import { WebSocket } from 'ws';
import { expect, test } from './fixtures';

/** Opens a WebSocket from Node with a chosen Origin; resolves with the HTTP status of a refusal, or 101. */
function wsStatus(url: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}

test.describe('qnet serve: token and origin', () => {
  test('any /api/ request without the token gets 401, whatever the path', async ({ server, request }) => {
    for (const path of ['/api/target', '/api/examples', '/api/nope', '/api/', '/api/../api/target', '/api/ws']) {
      const res = await request.get(`${server.origin}${path}`);
      expect(res.status(), path).toBe(401);
    }
    const wrong = await request.get(`${server.origin}/api/target`, { headers: { 'x-qnet-token': 'x'.repeat(43) } });
    expect(wrong.status()).toBe(401);
    const ok = await request.get(`${server.origin}/api/target`, { headers: { 'x-qnet-token': server.token } });
    expect(ok.status()).toBe(200);
    expect((await ok.json()).target.stateDir).toBe(server.stateDir);
  });

  test('a token in the query string does not open the HTTP API; a foreign Origin is refused even with the token', async ({
    server,
    request,
  }) => {
    expect((await request.get(`${server.origin}/api/target?token=${server.token}`)).status()).toBe(401);
    const foreign = await request.get(`${server.origin}/api/target`, {
      headers: { 'x-qnet-token': server.token, origin: 'http://evil.example' },
    });
    expect(foreign.status()).toBe(403);
  });

  test('WebSocket: refused without the token and from another Origin; accepted from the page origin', async ({
    server,
  }) => {
    const ws = server.origin.replace('http:', 'ws:');
    expect(await wsStatus(`${ws}/api/ws`, server.origin)).toBe(401);
    expect(await wsStatus(`${ws}/api/ws?token=wrong`, server.origin)).toBe(401);
    expect(await wsStatus(`${ws}/api/ws?token=${server.token}`, 'http://evil.example')).toBe(403);
    expect(await wsStatus(`${ws}/api/ws?token=${server.token}`, 'http://127.0.0.1:1')).toBe(403);
    expect(await wsStatus(`${ws}/api/ws?token=${server.token}`, server.origin)).toBe(101);
  });

  test('a page of another origin cannot use the WebSocket even with the token', async ({ server, page }) => {
    // The browser sets Origin itself: a page served from elsewhere (here about:blank → a data origin) is refused.
    await page.goto('about:blank');
    const ws = `${server.origin.replace('http:', 'ws:')}/api/ws?token=${server.token}`;
    const outcome = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const s = new WebSocket(url);
          s.onopen = () => resolve('open');
          s.onerror = () => resolve('refused');
        }),
      ws,
    );
    expect(outcome).toBe('refused');
  });

  test('the page loads with no failed request, its icon included', async ({ page, server }) => {
    const failed: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    page.on('requestfailed', (r) => failed.push(`failed ${new URL(r.url()).pathname}`));
    await page.goto(server.url);
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(icon).toBeTruthy();
    expect((await page.request.get(new URL(icon!, server.url).href)).status()).toBe(200);
    expect(failed).toEqual([]);
  });

  test('the editor page loads with the token and shows the empty canvas', async ({ editor }, info) => {
    await expect(editor.page.getByTestId('canvas__empty')).toBeVisible();
    await expect(editor.page.getByTestId('problems__none')).toBeVisible();
    await editor.screenshot(info.outputPath('empty-editor.png'));
  });
});
