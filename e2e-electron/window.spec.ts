import { expect, test } from '@playwright/test';
import { electronBinary, launchDesktop, type DesktopApp } from './app';

const binary = electronBinary();
if ('reason' in binary) console.log(`e2e-electron: skipped: ${binary.reason}`);
test.skip('reason' in binary, 'reason' in binary ? binary.reason : '');

let desktop: DesktopApp;
const cspViolations: string[] = [];
test.beforeEach(async () => {
  desktop = await launchDesktop((binary as { path: string }).path);
  desktop.page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
});
test.afterEach(async () => desktop?.close());

test('the window is locked down: isolated, sandboxed, no Node, on our own origin', async () => {
  // The options themselves are unit-tested (window.test.ts); here, what the page can reach under them.
  const { page } = desktop;
  expect(page.url()).toBe('qnet-app://studio/index.html');
  expect(
    await page.evaluate(() => [
      typeof (globalThis as { require?: unknown }).require,
      typeof (globalThis as { process?: unknown }).process,
    ]),
  ).toEqual(['undefined', 'undefined']);
  expect(await page.evaluate(() => Object.keys(window.qnet ?? {}).sort())).toEqual([
    'desktop',
    'onAction',
    'request',
    'subscribe',
  ]);
});

test('the page is served with the strict CSP and renders under it', async () => {
  const { page } = desktop;
  const csp = await page.evaluate(async () => (await fetch(location.href)).headers.get('content-security-policy'));
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("object-src 'none'");
  await expect(page.getByTestId('app')).toBeVisible();
  expect(await page.evaluate(() => fetch('/api/examples').then((r) => r.status))).toBe(200);
  expect(cspViolations).toEqual([]);
});

test('the engine answers through window.qnet; garbage gets INVALID_REQUEST', async () => {
  const { page } = desktop;
  expect(await page.evaluate(() => window.qnet!.request({ type: 'list' }))).toEqual({ ok: true, labs: [] });
  const bad = await page.evaluate(() => window.qnet!.request({ type: 'launch' } as never));
  expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
  expect(await page.evaluate(() => window.qnet!.desktop({ type: 'readFile', path: '/etc/passwd' }))).toMatchObject({
    ok: false,
  });
});

test('navigation away and new windows are refused', async () => {
  const { app, page } = desktop;
  expect(await page.evaluate(() => window.open('https://example.com') === null)).toBe(true);
  await page.evaluate(() => void (location.href = 'https://example.com/'));
  await expect(page.getByTestId('app')).toBeVisible();
  expect(page.url()).toBe('qnet-app://studio/index.html');
  expect(app.windows()).toHaveLength(1);
});

test('the native menu is built from the action registry', async () => {
  const { app } = desktop;
  const menu = await app.evaluate(({ Menu }) =>
    Menu.getApplicationMenu()!.items.map((m) => ({
      label: m.label,
      items: m.submenu?.items.map((i) => i.id ?? i.role ?? '') ?? [],
    })),
  );
  expect(menu.map((m) => m.label.replace('&', ''))).toEqual(['File', 'Edit', 'Lab', 'View', 'Help']);
  expect(menu[0]!.items).toEqual(
    expect.arrayContaining(['new', 'open', 'openRecent', 'save', 'saveAs', 'export', 'exportImage']),
  );
  expect(menu[2]!.items).toEqual(expect.arrayContaining(['validate', 'launch', 'stop']));
});

test('a menu action reaches the page through window.qnet.onAction', async () => {
  const { app, page } = desktop;
  await page.evaluate(() => {
    (window as unknown as { seen: unknown[] }).seen = [];
    window.qnet!.onAction((a) => (window as unknown as { seen: unknown[] }).seen.push(a));
    return window.qnet!.desktop({ type: 'ready' });
  });
  await app.evaluate(({ Menu }) => Menu.getApplicationMenu()!.getMenuItemById('launch')!.click());
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { seen: unknown[] }).seen))
    .toEqual([{ name: 'launch' }]);
});

test('the window remembers its size across runs', async () => {
  const { app } = desktop;
  await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.setBounds({ width: 1000, height: 700 }));
  const size = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.getSize());
  expect(size).toEqual([1000, 700]);
  await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
  await app.waitForEvent('close');
  // Relaunch on the same user-data directory.
  const again = await launchDesktop((binary as { path: string }).path, desktop.dir);
  try {
    expect(await again.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.getSize())).toEqual([
      1000, 700,
    ]);
  } finally {
    await again.close();
  }
});
