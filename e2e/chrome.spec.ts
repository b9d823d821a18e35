import { expect, test } from './fixtures';
import { boxesOverlap, CanvasView } from './pages/CanvasView';

test.describe('canvas chrome', () => {
  test('the minimap shows every node as soon as an example opens; it can be hidden, and hides itself on a small window', async ({
    editor,
    page,
  }) => {
    const canvas = new CanvasView(page);
    await editor.openExample('04-vde-slirpvde');
    const nodes = await page.locator('.topo-node').count();
    await expect(page.getByTestId('canvas__minimap')).toBeVisible();
    await expect.poll(async () => (await canvas.minimap()).rects.length).toBe(nodes);
    const { rects } = await canvas.minimap();
    const size = (await page.getByTestId('canvas__minimap').boundingBox())!;
    for (const r of rects) {
      expect(r.w).toBeGreaterThan(2);
      expect(r.x).toBeGreaterThanOrEqual(0);
      expect(r.x + r.w).toBeLessThanOrEqual(size.width);
    }
    // Never more than a sixth of the canvas's width.
    const box = (await canvas.root.boundingBox())!;
    expect(size.width).toBeLessThanOrEqual(box.width / 6 + 1);

    await page.getByTestId('canvas__minimap-toggle').click();
    await expect(page.getByTestId('canvas__minimap')).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    await expect(page.getByTestId('canvas__minimap')).toHaveCount(0);
    await page.getByTestId('canvas__minimap-toggle').click();
    await expect(page.getByTestId('canvas__minimap')).toBeVisible();

    // 1024 x 600: the canvas is too small to give any of it away.
    await page.setViewportSize({ width: 1024, height: 600 });
    await expect(page.getByTestId('canvas__minimap')).toHaveCount(0);
  });

  for (const width of [1024, 1440]) {
    test(`the toolbar fits a ${width}-pixel window: no button wrapped or cut off`, async ({ editor, page }) => {
      await expect(editor.canvas).toBeVisible();
      await page.setViewportSize({ width, height: 800 });
      const toolbar = page.getByTestId('toolbar');
      const bar = (await toolbar.boundingBox())!;
      const buttons = await toolbar
        .locator(':scope > button, :scope > .toolbar__group button, :scope > .toolbar__group > .toolbar__menu > button')
        .evaluateAll((els) =>
          els.map((el) => {
            const r = el.getBoundingClientRect();
            const line = parseFloat(getComputedStyle(el).lineHeight) || 18;
            return {
              name: (el as HTMLElement).dataset.testid,
              left: r.left,
              right: r.right,
              top: r.top,
              height: r.height,
              clipped: el.scrollWidth > el.clientWidth + 1,
              lines: Math.round(
                (el.clientHeight -
                  parseFloat(getComputedStyle(el).paddingTop) -
                  parseFloat(getComputedStyle(el).paddingBottom)) /
                  line,
              ),
            };
          }),
        );
      expect(buttons.length).toBeGreaterThan(10);
      for (const b of buttons) {
        expect(b.lines, `${b.name} wraps`).toBe(1);
        expect(b.clipped, `${b.name} is cut off`).toBe(false);
        expect(b.left, `${b.name} starts off the bar`).toBeGreaterThanOrEqual(bar.x);
        expect(b.right, `${b.name} ends off the window`).toBeLessThanOrEqual(Math.min(width, bar.x + bar.width));
        expect(b.top, `${b.name} is on a second row`).toBeLessThan(bar.y + bar.height / 2);
      }
      expect(bar.height).toBeLessThanOrEqual(43);
      // The export menu opens inside the window.
      await page.getByTestId('toolbar__export-menu').click();
      for (const name of ['export', 'export-svg', 'export-png']) {
        const item = (await page.getByTestId(`toolbar__${name}`).boundingBox())!;
        expect(item.x + item.width).toBeLessThanOrEqual(width);
      }
    });
  }

  test('the canvas keeps its corner panels in their corners: the minimap bottom right, the zoom controls bottom left', async ({
    editor,
    page,
  }) => {
    const canvas = new CanvasView(page);
    await editor.openExample('04-vde-slirpvde');
    const box = (await canvas.root.boundingBox())!;
    const map = (await page.getByTestId('canvas__minimap').boundingBox())!;
    const zoom = (await page.getByTestId('canvas__minimap-toggle').boundingBox())!;
    // Within React Flow's margin of the corner they are placed in (the bottom panel's styles must not reach them).
    expect(box.y + box.height - (map.y + map.height)).toBeLessThan(40);
    expect(box.x + box.width - (map.x + map.width)).toBeLessThan(40);
    expect(box.y + box.height - (zoom.y + zoom.height)).toBeLessThan(40);
    expect(zoom.x - box.x).toBeLessThan(40);
  });

  test('a drop keeps the zoom and the view; a node dropped onto another lands beside it', async ({ editor, page }) => {
    const canvas = new CanvasView(page);
    const before = await canvas.viewport();
    await editor.dropFromPalette('vm', 300, 200);
    await expect(editor.node('vm1')).toBeVisible();
    expect(await canvas.settled()).toEqual(before);
    await editor.dropFromPalette('vm', 300, 200);
    await expect(editor.node('vm2')).toBeVisible();
    await editor.dropFromPalette('bridge', 310, 210);
    await expect(editor.node('br1')).toBeVisible();
    expect(await canvas.settled()).toEqual(before);
    const boxes = [...(await canvas.nodeBoxes()).entries()];
    expect(boxes).toHaveLength(3);
    boxes.forEach(([a, ra], i) =>
      boxes.slice(i + 1).forEach(([b, rb]) => expect(boxesOverlap(ra, rb), `${a} on ${b}`).toBe(false)),
    );
  });

  test('a node dragged to the edge of the canvas pans the view along and lands beyond it, one undo step', async ({
    editor,
    page,
  }) => {
    const canvas = new CanvasView(page);
    await editor.openExample('05-socket-pair');
    const vp = await canvas.settled();
    const start = await editor.position('client');
    const box = (await editor.node('client').locator('.topo-node__head').boundingBox())!;
    const edge = (await canvas.root.boundingBox())!;
    await page.mouse.move(box.x + 20, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(edge.x + edge.width - 4, box.y + 10, { steps: 8 });
    await expect.poll(async () => (await canvas.viewport()).x).toBeLessThan(vp.x - 150);
    await page.mouse.up();
    const end = await editor.position('client');
    // It went further than the pointer could carry it inside the view it started in.
    expect(end.x - start.x).toBeGreaterThan((edge.x + edge.width - box.x) / vp.zoom + 100);
    await editor.press('ControlOrMeta+z');
    await editor.expectPosition('client', start);
  });

  test('tidy layout places a messy drawing apart in one undo step', async ({ editor, page }) => {
    const canvas = new CanvasView(page);
    await editor.openExample('06-mcast-bus');
    // Pile the VMs onto the bus.
    for (const id of Object.keys(await canvas.positions())) {
      const box = (await editor.node(id).locator('.topo-node__head').boundingBox())!;
      const target = (await editor.node('bus').locator('.topo-node__head').boundingBox())!;
      if (id === 'bus') continue;
      await page.mouse.move(box.x + 20, box.y + 10);
      await page.mouse.down();
      await page.mouse.move(target.x + 30, target.y + 20, { steps: 4 });
      await page.mouse.up();
    }
    const before = await canvas.positions();
    await page.getByTestId('canvas__tidyLayout').click();
    await expect.poll(async () => JSON.stringify(await canvas.positions())).not.toBe(JSON.stringify(before));
    await canvas.settled();
    const boxes = [...(await canvas.nodeBoxes()).entries()];
    boxes.forEach(([a, ra], i) =>
      boxes.slice(i + 1).forEach(([b, rb]) => expect(boxesOverlap(ra, rb), `${a} on ${b}`).toBe(false)),
    );
    const tidy = await canvas.positions();
    await editor.press('ControlOrMeta+z');
    await expect.poll(async () => JSON.stringify(await canvas.positions())).not.toBe(JSON.stringify(tidy));
    // One undo step: back to the pile, not to one node at a time.
    const piled = await canvas.positions();
    expect(
      Object.keys(piled).filter((id) => piled[id]!.x !== tidy[id]!.x || piled[id]!.y !== tidy[id]!.y).length,
    ).toBeGreaterThan(1);
  });
});
