import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, labTest, noLabs } from './fixtures';
import { writersOf } from '../electron/testkit/procs';
import { cleanUpLab } from './labCleanup';
import { ROOT } from './serve';

/*
 * Link control from the canvas on a running lab: a link's context menu sets it down and up, the canvas draws it
 * dashed while down, and a reloaded page reads the state back from the engine; a link's capture (its pcap saved from the
 * Packets tab), and a bridge's whole segment from the bridge's menu. Example 05 (two tiny guests on link `wire`, a
 * socket pair) under a name and port of its own, the first NICs given MACs (server 52:54:00:05:00:01, client …:02),
 * each guest's second NIC on bridge br0 (10.0.59.0/24): one lab for all, booting guests under TCG is what
 * costs. The name is drawn per worker: repeats of this test run in parallel workers, and one name would give them one
 * network namespace, so all but the first launch were refused.
 */
const LAB = `links-${randomBytes(3).toString('hex')}`;
const FILE = '05-socket-pair.qnet.yaml';
const YAML = readFileSync(join(ROOT, 'assets/examples', FILE), 'utf8')
  .replace(/^name: socket-pair$/m, `name: ${LAB}`)
  .replace('port: 40500', 'port: 40574')
  .replace(
    /^( +- \{ id: eth0, model: virtio, ip: 10\.0\.5\.(\d)\/24 \}\n)/gm,
    "      - { id: eth0, model: virtio, mac: '52:54:00:05:00:0$2', ip: 10.0.5.$2/24 }\n      - { id: eth1, model: virtio, ip: 10.0.59.$2/24 }\n",
  )
  .replace(/^links:\n/m, '  - { id: br0, kind: bridge, name: br0 }\n$&')
  .replace(/^layout:\n/m, "  - { a: 'server:eth1', b: br0 }\n  - { a: 'client:eth1', b: br0 }\n$&")
  .replace(/^( {4}client: .*\n)/m, '$1    br0: { x: 275, y: 380 }\n');

/** `tshark -r` fields of the frames `filter` keeps, one tab-separated line each. */
function tsharkFields(pcap: string, filter: string, ...names: string[]): string[] {
  const args = ['-r', pcap, '-Y', filter, '-T', 'fields', ...names.flatMap((n) => ['-e', n])];
  const r = spawnSync('tshark', args, { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

const test = labTest({ file: FILE, yaml: YAML, node: 'server' });

test.describe('link control and capture on the canvas', () => {
  test.skip(noLabs !== null, noLabs ?? '');
  test.setTimeout(240_000);
  test.afterEach(({ server }) => cleanUpLab(server.stateDir, LAB));

  test('a link is set down and up from its menu, drawn dashed while down, and a reload keeps it; its capture lists the pings, decoded by tshark, filtered and saved as a pcap; a bridge segment is captured from the bridge menu', async ({
    editor,
    lab,
    page,
    consoles,
    server,
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

    // Save pcap: the file the browser downloads holds the pings as tshark reads them, echo requests from the
    // server's NIC and replies from the client's.
    const download = await editor.downloadBy(() => page.getByTestId('packets__save').click());
    expect(download.suggestedFilename()).toBe(`${LAB}-capture-wire-1.pcap`);
    const icmp = tsharkFields(await download.path(), 'icmp', 'icmp.type', 'eth.src');
    expect(icmp.filter((l) => l === '8\t52:54:00:05:00:01')).toHaveLength(3);
    expect(icmp.filter((l) => l === '0\t52:54:00:05:00:02')).toHaveLength(3);
    expect(icmp).toHaveLength(6);

    // A filter tshark refuses is said as tshark says it.
    await page.getByTestId('packets__filter').fill('icmp &&');
    await page.getByTestId('packets__filter').press('Enter');
    await expect(page.getByTestId('packets__error')).toContainText('display filter:');

    await page.getByTestId('packets__capture').click();
    await expect(page.getByTestId('packets__capture')).toHaveText('Start capture');
    await expect.poll(() => editor.canvasCapturing()).toEqual([]);

    // A bridge's whole segment from its menu: the Packets tab opens on it, the bridge is marked as capturing.
    await editor.openNodeMenu('br0');
    await expect(editor.nodeMenuItem('capture-stop')).toBeDisabled();
    await expect(editor.nodeMenuItem('capture-start')).toHaveText('Capture segment');
    await editor.nodeMenuItem('capture-start').click();
    await expect(page.getByTestId('tab__packets')).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('node__br0__capture')).toHaveText('capturing');
    await expect(page.getByTestId('packets__link')).toHaveValue('br0');
    await expect(page.getByTestId('packets__link').locator('option[value="br0"]')).toHaveText(
      'br0 (bridge segment) (capturing)',
    );
    await expect(page.getByTestId('packets__file')).toContainText(`${LAB}/capture-br0-1.pcap`);
    const segment = join(server.stateDir, LAB, 'capture-br0-1.pcap');
    expect(writersOf(segment)).toHaveLength(1);

    await consoles.show();
    await consoles.typeLine('client', 'ping -c 2 10.0.59.1');
    await consoles.expectText('client', '2 packets received', 60_000);
    await page.getByTestId('tab__packets').click();
    await page.getByTestId('packets__filter').fill('icmp');
    await page.getByTestId('packets__filter').press('Enter');
    await expect(rows).toHaveCount(4, { timeout: 30_000 });
    await expect(rows.filter({ hasText: 'Echo (ping) request' })).toHaveCount(2);
    await expect(rows.first()).toContainText('10.0.59.2');
    await page.getByTestId('packets__filter').fill('arp');
    await page.getByTestId('packets__filter').press('Enter');
    await expect(rows.filter({ hasText: 'Who has 10.0.59.1?' })).not.toHaveCount(0);

    await editor.openNodeMenu('br0');
    await expect(editor.nodeMenuItem('capture-start')).toBeDisabled();
    await editor.nodeMenuItem('capture-stop').click();
    await expect(page.getByTestId('node__br0__capture')).toHaveCount(0);
    await expect(page.getByTestId('packets__capture')).toHaveText('Start capture');
    expect(writersOf(segment)).toEqual([]);

    await lab.stop();
    await expect(lab.state()).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
  });
});
