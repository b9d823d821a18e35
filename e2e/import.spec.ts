import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { networkEquivalent, qemuCommands } from '../shared/import';
import { expect, test } from './fixtures';

const CORPUS = join(import.meta.dirname, '../shared/import/fixtures/qemu-cmdlines');
const corpus = (name: string) => readFile(join(CORPUS, name), 'utf8');

test.describe('importing QEMU command lines', () => {
  test("paste the guide's socket pair into the canvas: two VMs, one link, Commands shows the same options; one undo step", async ({
    editor,
    page,
    context,
  }) => {
    const pair = await corpus('qemu-doc-netdev-socket-listen-connect-2vms.args');
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.evaluate((text) => navigator.clipboard.writeText(text), pair);
    await editor.canvas.click({ position: { x: 5, y: 5 } });
    await editor.press('ControlOrMeta+v');

    await expect(editor.node('vm1')).toBeVisible();
    await expect(editor.node('vm2')).toBeVisible();
    await editor.expectLinkCount(1);
    await expect(editor.node('vm1')).toHaveClass(/selected/);

    // The link is what the text said: a socket pair on port 1234, the listener on every interface (said).
    await editor.showProblems();
    await expect(editor.problem('LINK_ALL_INTERFACES')).toContainText('host 0.0.0.0');

    // Commands shows, per VM, the options of the pasted line: network-equivalent, and the same words.
    await editor.showCommands();
    const [first, second] = qemuCommands(pair);
    const a1 = await editor.argv('vm1');
    const a2 = await editor.argv('vm2');
    expect(networkEquivalent(first!, a1)).toEqual({ equivalent: true, differences: [] });
    expect(networkEquivalent(second!, a2)).toEqual({ equivalent: true, differences: [] });
    expect(a1).toContain('socket,id=net-eth0,listen=0.0.0.0:1234');
    expect(a1).toContain('linux.img');
    expect(a2).toContain('socket,id=net-eth0,connect=127.0.0.1:1234');
    expect(a2.find((w) => w.startsWith('e1000,'))).toMatch(/mac=52:54:00:12:34:57/);

    // What the import said is in Problems, at its line in the pasted text.
    await editor.showProblems();
    const kept = page.locator('[data-source="import"][data-testid="problems__item__IMPORT_KEPT"]');
    await expect(kept).toHaveCount(2);
    await expect(kept.first()).toContainText('2:20');

    await editor.canvas.click({ position: { x: 5, y: 5 } });
    await editor.press('ControlOrMeta+z');
    await expect(editor.node('vm1')).toHaveCount(0);
    await editor.expectLinkCount(0);
    await expect(page.locator('[data-source="import"]')).toHaveCount(0);
  });

  test('drop a script on the canvas: three VMs on one multicast segment', async ({ editor, page }) => {
    const text = await corpus('qemu-doc-netdev-dgram-mcast-3vms.args');
    const dataTransfer = await page.evaluateHandle((t) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], 'mcast-3vms.sh', { type: 'application/x-shellscript' }));
      return dt;
    }, text);
    await editor.canvas.dispatchEvent('dragover', { dataTransfer, clientX: 400, clientY: 300 });
    await editor.canvas.dispatchEvent('drop', { dataTransfer, clientX: 400, clientY: 300 });
    for (const vm of ['vm1', 'vm2', 'vm3']) await expect(editor.node(vm)).toBeVisible();
    await expect(editor.node('mcast')).toBeVisible();
    await editor.expectLinkCount(3);
    await editor.press('ControlOrMeta+z');
    await expect(editor.node('mcast')).toHaveCount(0);
  });

  test('File › Import a libvirt command line: its problems are listed, its NICs keep their MACs', async ({
    editor,
    page,
  }) => {
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByTestId('toolbar__import').click(),
    ]);
    await chooser.setFiles({
      name: 'net-mtu.args',
      mimeType: 'text/plain',
      buffer: Buffer.from(await corpus('libvirt-net-mtu.args')),
    });
    await expect(editor.node('test')).toBeVisible();
    await editor.expectLinkCount(2);
    await editor.showProblems();
    await expect(page.locator('[data-source="import"][data-testid="problems__item__IMPORT_FD"]').first()).toContainText(
      'fd=102',
    );
    await editor.showCommands();
    const argv = await editor.argv('test');
    expect(argv.find((w) => w.includes('host_mtu=9000'))).toMatch(
      /^virtio-net-pci,netdev=net-net1,mac=52:54:00:e5:48:59,id=nic-net1,host_mtu=9000,bus=pci.0,addr=0x3$/,
    );
  });
});
