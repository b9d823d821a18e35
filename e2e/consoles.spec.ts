import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CSP as DESKTOP_CSP } from '../electron/main/csp';
import { netnsName } from '../shared/compiler/index';
import { buildTinyGuest } from '../electron/guest/build';
import { netnsExists } from '../electron/testkit/netns';
import { expect, labTest, noLabs } from './fixtures';
import { cleanUpLab } from './labCleanup';
import { ConsolesPanel } from './pages/ConsolesPanel';
import { ROOT } from './serve';

/*
 * The Consoles tab on a real lab: example 05 (server 10.0.5.1/24, client 10.0.5.2/24 joined by a TCP socket pair)
 * launched from the toolbar by a `qnet serve --isolation netns`, real tiny guests in a network namespace. Under a
 * name and port of its own, so it never shares a namespace with another suite running socket-pair.
 */
const LAB = 'socket-pair-consoles';
const NETNS = netnsName(LAB);
type Box = { x: number; y: number; width: number; height: number };
const YAML = readFileSync(join(ROOT, 'assets/examples/05-socket-pair.qnet.yaml'), 'utf8')
  .replace(/^name: socket-pair$/m, `name: ${LAB}`)
  .replace('port: 40500', 'port: 40571');

const test = labTest();

// The last test serves the page again with electron/main/csp.ts's policy. A document Playwright fulfils counts as a
// public one, so Chromium's local-network checks would refuse the WebSocket to 127.0.0.1: they are off here.
test.use({
  launchOptions: {
    executablePath: process.env.QNET_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets,PrivateNetworkAccessChecks',
    ],
  },
});

test.describe('consoles', () => {
  // One lab name, one namespace: these tests take turns.
  test.describe.configure({ mode: 'default' });
  test.skip(noLabs !== null, noLabs ?? '');
  test.setTimeout(240_000);

  test.beforeAll(async () => {
    test.setTimeout(600_000);
    await buildTinyGuest({ arch: 'x86_64', log: () => {} });
  });

  test.afterEach(({ server }) => cleanUpLab(server.stateDir, LAB));

  test('each guest console shows its ready line, takes a ping, keeps its scrollback over a reload', async ({
    editor,
    consoles,
    page,
  }) => {
    await editor.openFile('05-socket-pair.qnet.yaml', YAML);
    await expect(editor.node('server')).toBeVisible();
    await page.getByTestId('toolbar__launch').click();

    await consoles.show();
    await expect(consoles.tab('server')).toBeVisible({ timeout: 60_000 });
    await expect(consoles.tab('client')).toBeVisible();
    await consoles.expectText('server', 'QNET-READY hostname=server', 120_000);
    await consoles.expectText('client', 'QNET-READY hostname=client', 120_000);
    expect(netnsExists(NETNS)).toBe(true);

    await consoles.typeLine('server', 'ping -c 1 10.0.5.2');
    await consoles.expectText('server', '1 packets received', 30_000);

    // Copy: a triple-click selects the line, Ctrl+Shift+C puts it on the clipboard (the terminal keeps Ctrl+C).
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await consoles.selectRow('server', '1 packets received');
    await page.keyboard.press('Control+Shift+C');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toMatch(/1 packets received/);

    // A reload subscribes from the start of the ring buffer: the scrollback is back.
    await page.reload();
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    await consoles.show();
    await consoles.expectText('server', '1 packets received');
    await consoles.expectText('client', 'QNET-READY hostname=client');

    await page.getByTestId('toolbar__stop').click();
    await expect(consoles.root).toHaveAttribute('data-state', /stopped/, { timeout: 90_000 });
    await expect(consoles.terminal('server')).toHaveAttribute('data-live', 'false');
    await expect.poll(() => netnsExists(NETNS), { timeout: 30_000 }).toBe(false);

    // A page opened after the stop still shows what each guest printed.
    await page.reload();
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    await consoles.show();
    await expect(consoles.root).toHaveAttribute('data-state', /stopped/);
    await consoles.expectText('server', '1 packets received');
  });

  test('a console to work in: the panel resized and remembered, guests side by side, one popped out into its own window', async ({
    editor,
    consoles,
    page,
    context,
  }) => {
    await editor.openFile('05-socket-pair.qnet.yaml', YAML);
    await page.getByTestId('toolbar__launch').click();
    await consoles.show();
    await consoles.expectText('server', 'QNET-READY hostname=server', 120_000);
    await consoles.expectText('client', 'QNET-READY hostname=client', 120_000);

    // The panel's top edge dragged up by 200 px: the panel grows by that, the terminal with it; a reload keeps it.
    const panel = page.getByTestId('bottom-panel');
    const before = (await panel.boundingBox())!;
    const rowsBefore = await consoles.rows('client');
    const grip = (await page.getByTestId('bottom-panel__grip').boundingBox())!;
    await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
    await page.mouse.down();
    await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2 - 100, { steps: 5 });
    await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2 - 200, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => Math.round((await panel.boundingBox())!.height - before.height)).toBe(200);
    await expect.poll(() => consoles.rows('client')).toBeGreaterThan(rowsBefore + 5);
    await page.reload();
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    expect(Math.round((await panel.boundingBox())!.height)).toBe(Math.round(before.height + 200));

    // Side by side: both guests' terminals at once, left and right; each takes its own keystrokes.
    await consoles.show();
    await page.getByTestId('consoles__layout').click();
    const [server, client] = [consoles.terminal('server'), consoles.terminal('client')];
    await expect(server).toBeVisible();
    await expect(client).toBeVisible();
    const [a, b] = [(await server.boundingBox())!, (await client.boundingBox())!].sort((p, q) => p.x - q.x) as [
      Box,
      Box,
    ];
    expect(a.x + a.width).toBeLessThanOrEqual(b.x);
    expect(Math.abs(a.y - b.y)).toBeLessThan(2);
    await client.click();
    await page.keyboard.type('ping -c 1 10.0.5.1');
    await page.keyboard.press('Enter');
    await expect(consoles.screen('client')).toContainText('1 packets received', { timeout: 30_000 });
    await expect(consoles.screen('server')).toContainText('QNET-READY hostname=server');

    // Popped out: the server's console in a window of its own, live; what is typed there reaches the guest.
    const [popup] = await Promise.all([
      context.waitForEvent('page'),
      page.getByTestId('consoles__popout__server').click(),
    ]);
    const own = new ConsolesPanel(popup);
    await expect(popup.getByTestId('console-window')).toHaveAttribute('data-state', 'running');
    await expect(own.terminal('server')).toHaveAttribute('data-live', 'true');
    await expect(own.screen('server')).toContainText('QNET-READY hostname=server', { timeout: 20_000 });
    await own.terminal('server').click();
    await popup.keyboard.type('echo popped-$((6*7))');
    await popup.keyboard.press('Enter');
    await expect(own.screen('server')).toContainText('popped-42', { timeout: 30_000 });
    // The editor's pane shows the same console.
    await expect(consoles.screen('server')).toContainText('popped-42');
    // Back to one at a time, as remembered.
    await page.getByTestId('consoles__layout').click();
    await expect(consoles.tab('client')).toBeVisible();

    await page.getByTestId('toolbar__stop').click();
    await expect(popup.getByTestId('console-window')).toHaveAttribute('data-state', 'stopped', { timeout: 90_000 });
    await expect(own.terminal('server')).toHaveAttribute('data-live', 'false');
    await expect(own.screen('server')).toContainText('popped-42');
  });

  test.describe("under the desktop window's CSP (no inline styles)", () => {
    test('the terminal gets its sizes and colours', async ({ editor, consoles, page }) => {
      await page.route(
        (u) => u.pathname === '/',
        async (route) => {
          const response = await route.fetch();
          await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': DESKTOP_CSP } });
        },
      );
      await page.reload();
      await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
      await editor.openFile('05-socket-pair.qnet.yaml', YAML);
      await page.getByTestId('toolbar__launch').click();
      await consoles.show();
      await consoles.expectText('server', 'QNET-READY hostname=server', 120_000);
      // xterm.js's theme lives in a <style> element the policy blocks; the mirrored stylesheet applies it.
      await expect(consoles.screen('server')).toHaveCSS('color', 'rgb(216, 222, 233)');
      await page.getByTestId('toolbar__stop').click();
      await expect(consoles.root).toHaveAttribute('data-state', /stopped/, { timeout: 90_000 });
    });
  });
});
