import { readFile } from 'node:fs/promises';
import { compileJson } from './cli';
import { expect, test } from './fixtures';

test.describe('drawing a lab', () => {
  test('two VMs from the palette, a NIC each, one link: the Commands panel equals qnet compile --json of the saved file', async ({
    editor,
    server,
  }, info) => {
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
    expect(await readFile(file, 'utf8')).toContain('a: vm1:eth0');

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
    await expect(editor.page.getByTestId('notice')).toContainText(
      'Link refused: a bridge cannot be linked to a NAT network directly',
    );
    await editor.expectLinkCount(0);
  });

  test('a plain node offers a handle on every side under the pointer and while a wire is drawn; a wire joins two side handles', async ({
    editor,
    page,
  }) => {
    await editor.dropFromPalette('hub', 200, 320);
    await editor.dropFromPalette('nat', 600, 120);
    const handles = (node: string) => editor.node(node).locator('.react-flow__handle');
    const away = async () => {
      const c = (await editor.canvas.boundingBox())!;
      await page.mouse.move(c.x + 30, c.y + c.height - 30);
    };
    await away();
    await expect(handles('hub1')).toHaveCount(1);
    await expect(handles('nat1')).toHaveCount(1);

    await editor.node('hub1').locator('.topo-node__head').hover();
    await expect(handles('hub1')).toHaveCount(4);
    const from = (await editor.handle('hub1', 'port@top').boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(400, 300, { steps: 5 });
    // Drawing a wire: every plain node, not only the one under the pointer, shows where it can take it.
    await expect(handles('nat1')).toHaveCount(4);
    const to = (await editor.handle('nat1', 'port@bottom').boundingBox())!;
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 5 });
    await page.mouse.up();
    await editor.expectLinkCount(1);
    const [link] = await editor.links();
    expect([link!.a.node, link!.b.node].sort()).toEqual(['hub1', 'nat1']);

    await away();
    await expect(handles('hub1')).toHaveCount(1);
    await expect(handles('nat1')).toHaveCount(1);
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
