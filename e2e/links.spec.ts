import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, labTest, noLabs } from './fixtures';
import { cleanUpLab } from './labCleanup';
import { ROOT } from './serve';

/*
 * Link control from the canvas on a running lab: a link's context menu sets it down and up, the canvas draws it
 * dashed while down, and a reloaded page reads the state back from the engine. Example 05 (two tiny guests on link
 * `wire`, a socket pair) under a name and port of its own. The name is drawn per worker: repeats of this test run in
 * parallel workers, and one name would give them one network namespace, so all but the first launch were refused.
 */
const LAB = `links-${randomBytes(3).toString('hex')}`;
const FILE = '05-socket-pair.qnet.yaml';
const YAML = readFileSync(join(ROOT, 'assets/examples', FILE), 'utf8')
  .replace(/^name: socket-pair$/m, `name: ${LAB}`)
  .replace('port: 40500', 'port: 40574');

const test = labTest({ file: FILE, yaml: YAML, node: 'server' });

test.describe('link control and capture on the canvas', () => {
  test.skip(noLabs !== null, noLabs ?? '');
  test.setTimeout(240_000);
  test.afterEach(({ server }) => cleanUpLab(server.stateDir, LAB));

  test('a link is set down and up from its menu, drawn dashed while down, and a reload keeps it; its capture lists the pings, decoded by tshark and filtered', async ({
    editor,
    lab,
    page,
    consoles,
  }) => {
    // Before a launch there is nothing to pull: the item is there, greyed.
    await editor.openLinkMenu('wire');
    await expect(editor.linkMenuItem('link-down')).toBeDisabled();
    await expect(editor.linkMenuItem('link-up')).toBeDisabled();
    await page.keyboard.press('Escape');

    await lab.launch();
    await lab.expectBadges(['server', 'client'], 'running');
    await editor.openLinkMenu('wire');
    await expect(editor.linkMenuItem('link-up')).toBeDisabled();
    await editor.linkMenuItem('link-down').click();
    await expect.poll(() => editor.downLinks()).toEqual(['wire']);

    await page.reload();
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    await lab.expectBadges(['server', 'client'], 'running');
    await expect.poll(() => editor.downLinks()).toEqual(['wire']);
    await editor.openLinkMenu('wire');
    await expect(editor.linkMenuItem('link-down')).toBeDisabled();
    await editor.linkMenuItem('link-up').click();
    await expect.poll(() => editor.downLinks()).toEqual([]);

    // Capture from the link's menu: the Packets tab opens on it, the canvas marks it.
    await editor.openLinkMenu('wire');
    await expect(editor.linkMenuItem('capture-stop')).toBeDisabled();
    await editor.linkMenuItem('capture-start').click();
    await expect(page.getByTestId('tab__packets')).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('packets__capture')).toHaveText('Stop capture');
    await expect.poll(() => editor.canvasCapturing()).toEqual(['wire']);
    await expect(page.getByTestId('packets__file')).toContainText(`${LAB}/capture-wire-1.pcap`);

    // A badge says QEMU runs, not that the guest has booted: the client, started after the server's listener, may
    // still be booting under TCG when the server is ready, and pings sent then all go unanswered.
    await consoles.show();
    await consoles.expectText('server', 'QNET-READY hostname=server', 120_000);
    await consoles.expectText('client', 'QNET-READY hostname=client', 120_000);
    await consoles.typeLine('server', 'ping -c 3 10.0.5.2');
    await consoles.expectText('server', '3 packets received', 60_000);

    // The list follows the capture live; an icmp filter keeps the three requests and three replies.
    await page.getByTestId('tab__packets').click();
    await page.getByTestId('packets__filter').fill('icmp');
    await page.getByTestId('packets__filter').press('Enter');
    const rows = page.getByTestId('packets__row');
    await expect(rows).toHaveCount(6, { timeout: 30_000 });
    await expect(rows.filter({ hasText: 'Echo (ping) request' })).toHaveCount(3);
    await expect(rows.filter({ hasText: 'Echo (ping) reply' })).toHaveCount(3);
    await expect(page.locator('[data-testid="packets__row"]:not([data-protocol="ICMP"])')).toHaveCount(0);
    await expect(rows.first()).toContainText('10.0.5.1');

    // A filter tshark refuses is said as tshark says it.
    await page.getByTestId('packets__filter').fill('icmp &&');
    await page.getByTestId('packets__filter').press('Enter');
    await expect(page.getByTestId('packets__error')).toContainText('display filter:');

    await page.getByTestId('packets__capture').click();
    await expect(page.getByTestId('packets__capture')).toHaveText('Start capture');
    await expect.poll(() => editor.canvasCapturing()).toEqual([]);

    await lab.stop();
    await expect(lab.state()).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
  });
});
