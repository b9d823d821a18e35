import { readFile } from 'node:fs/promises';
import { compileJson } from './cli';
import { expect, test } from './fixtures';

test.describe('drawing a lab', () => {
  test('two VMs from the palette, a NIC each, one link: the Commands panel equals qnet compile --json of the saved file', async ({ editor, server }, info) => {
    await expect(editor.page.getByTestId('canvas__empty')).toBeVisible();
    await editor.dropFromPalette('vm', 200, 160);
    await editor.dropFromPalette('vm', 620, 160);
    await expect(editor.node('vm1')).toBeVisible();
    await expect(editor.node('vm2')).toBeVisible();
    await editor.addNic('vm1');
    await editor.addNic('vm2');
    await editor.wire(editor.handle('vm1', 'eth0'), editor.handle('vm2', 'eth0'));
    await editor.expectLinkCount(1);
    await expect.poll(() => editor.linkLabels()).toEqual(['stream']);
    await editor.screenshot(info.outputPath('point-to-point-canvas.png'));

    const download = await editor.save();
    expect(download.suggestedFilename()).toBe('untitled.qnet.yaml');
    const file = info.outputPath('untitled.qnet.yaml');
    await download.saveAs(file);
    expect(await readFile(file, 'utf8')).toContain("a: vm1:eth0");

    const plan = compileJson(file, server.stateDir);
    await editor.showCommands();
    expect(plan.vms.map((v) => v.node)).toEqual(['vm1', 'vm2']);
    for (const vm of plan.vms) expect(await editor.argv(vm.node), vm.node).toEqual(vm.argv);
    await expect(editor.page.getByTestId('commands__privilege')).toHaveText(plan.privilege);
    await editor.screenshot(info.outputPath('commands-panel.png'));
  });

  test('a link the realization table refuses is not drawn and the reason is shown', async ({ editor }) => {
    await editor.dropFromPalette('bridge', 200, 160);
    await editor.dropFromPalette('nat', 600, 160);
    await editor.wire(editor.handle('br1'), editor.handle('nat1'));
    await expect(editor.page.getByTestId('notice')).toContainText('Link refused: a bridge cannot be linked to a NAT network directly');
    await editor.expectLinkCount(0);
  });

  test('undo steps back one action at a time (a drag is one step) and redo replays them', async ({ editor }) => {
    const { page } = editor;
    await editor.dropFromPalette('vm', 200, 160);
    await editor.addNic('vm1');
    const box = (await editor.node('vm1').locator('.topo-node__head').boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + 10);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + 20 + i * 15, box.y + 10 + i * 5);
    await page.mouse.up();
    await editor.canvas.click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('ControlOrMeta+z'); // the drag
    await expect(editor.node('vm1').locator('.topo-node__port:not(.empty)')).toHaveCount(1);
    const back = (await editor.node('vm1').locator('.topo-node__head').boundingBox())!;
    expect(Math.abs(back.x - box.x)).toBeLessThan(2);
    await page.keyboard.press('ControlOrMeta+z'); // the NIC
    await expect(editor.node('vm1').locator('.topo-node__port:not(.empty)')).toHaveCount(0);
    await page.keyboard.press('ControlOrMeta+z'); // the drop
    await expect(editor.node('vm1')).toHaveCount(0);
    await expect(page.getByTestId('toolbar__undo')).toBeDisabled();
    await page.keyboard.press('ControlOrMeta+Shift+z');
    await page.keyboard.press('ControlOrMeta+Shift+z');
    await page.keyboard.press('ControlOrMeta+Shift+z');
    await expect(editor.node('vm1').locator('.topo-node__port:not(.empty)')).toHaveCount(1);
    await expect(page.getByTestId('toolbar__redo')).toBeDisabled();
  });
});
