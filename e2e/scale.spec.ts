import { saveTopology } from '../shared/model';
import { generateTopology } from '../bench/generate';
import { expect, test } from './fixtures';
import { CanvasView } from './pages/CanvasView';

test.describe('a large drawing', () => {
  test('500 nodes: a drag moves only the dragged node, with its links, and is one undo step; so is a drag of two selected nodes', async ({
    editor,
    page,
  }) => {
    test.setTimeout(120_000);
    const t = generateTopology(400, 2, 100);
    const canvas = new CanvasView(page);
    await editor.openFile('large.qnet.yaml', saveTopology(t));
    await expect.poll(async () => (await canvas.drawn()).routes, { timeout: 30_000 }).toBe(600);
    await canvas.settled();
    const start = await canvas.positions();
    expect(Object.keys(start)).toHaveLength(500);
    const linkOf = async (node: string) => (await canvas.links()).filter((l) => l.a.node === node || l.b.node === node);
    const linksBefore = await linkOf('vm0');

    const drag = async (id: string, dx: number, dy: number) => {
      const box = (await editor.node(id).locator('.topo-node__head').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      for (let i = 1; i <= 10; i++)
        await page.mouse.move(box.x + box.width / 2 + (dx * i) / 10, box.y + box.height / 2 + (dy * i) / 10);
      await page.mouse.up();
    };
    const changed = (a: Record<string, { x: number; y: number }>, b: Record<string, { x: number; y: number }>) =>
      Object.keys(a).filter((id) => a[id]!.x !== b[id]!.x || a[id]!.y !== b[id]!.y);

    await drag('vm0', 120, 60);
    await expect.poll(async () => changed(start, await canvas.positions())).toEqual(['vm0']);
    // Its links moved with it (they start at its new place), and are still labelled.
    const moved = (await canvas.positions()).vm0!;
    const after = await linkOf('vm0');
    expect(after.map((l) => l.id)).toEqual(linksBefore.map((l) => l.id));
    for (const l of after) {
      const end = l.a.node === 'vm0' ? l.points[0]! : l.points[l.points.length - 1]!;
      expect(end[0] === moved.x || end[0] === moved.x + 180).toBe(true);
      expect(l.label?.text).toBeTruthy();
    }
    await editor.press('ControlOrMeta+z');
    await expect.poll(async () => changed(start, await canvas.positions())).toEqual([]);
    await editor.press('ControlOrMeta+Shift+z');
    await expect.poll(async () => changed(start, await canvas.positions())).toEqual(['vm0']);
    await editor.press('ControlOrMeta+z');

    // Two selected nodes move together, one undo step.
    await editor.selectNode('vm1');
    await editor
      .node('vm2')
      .locator('.topo-node__head')
      .click({ modifiers: ['Shift'] });
    await expect(editor.node('vm2')).toHaveClass(/selected/);
    await drag('vm1', 80, 80);
    await expect.poll(async () => changed(start, await canvas.positions()).sort()).toEqual(['vm1', 'vm2']);
    const both = await canvas.positions();
    expect(both.vm1!.x - start.vm1!.x).toBe(both.vm2!.x - start.vm2!.x);
    await editor.press('ControlOrMeta+z');
    await expect.poll(async () => changed(start, await canvas.positions())).toEqual([]);
  });
});
