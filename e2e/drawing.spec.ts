import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expect, test } from './fixtures';
import { boxesOverlap, CanvasView, inset, segmentCrossesBox } from './pages/CanvasView';
import { ROOT } from './serve';

const EXAMPLES = readdirSync(join(ROOT, 'assets/examples'))
  .filter((f) => f.endsWith('.qnet.yaml'))
  .sort();
const linkCount = (file: string) =>
  ((parse(readFileSync(join(ROOT, 'assets/examples', file), 'utf8')) as { links?: unknown[] }).links ?? []).length;

test.describe('a readable drawing', () => {
  for (const file of EXAMPLES) {
    const stem = file.replace(/\.qnet\.yaml$/, '');
    test(`${stem}: links cross neither of their own nodes and start at their port's handle; labels do not overlap`, async ({
      editor,
      page,
    }) => {
      await editor.openExample(stem);
      const canvas = new CanvasView(page);
      await expect.poll(async () => (await canvas.links()).length).toBe(linkCount(file));
      await canvas.settled();
      const links = await canvas.links();
      const boxes = await canvas.nodeBoxes();
      for (const link of links) {
        for (const end of [link.a, link.b]) {
          const box = boxes.get(end.node)!;
          expect(box, `${link.id}: node ${end.node} is rendered`).toBeDefined();
          // The rendered node's inside, less its border: a link may touch the edge it leaves from, never go through.
          const inside = inset(box, 2);
          link.points.slice(1).forEach((p, i) => {
            expect(segmentCrossesBox(link.points[i]!, p, inside), `${link.id} passes through ${end.node}`).toBe(false);
          });
        }
        // A named port's link starts at the centre of its handle as rendered: the routing and the DOM agree.
        const ends = [
          { end: link.a, at: link.points[0]! },
          { end: link.b, at: link.points[link.points.length - 1]! },
        ];
        for (const { end, at } of ends) {
          if (!end.port) continue;
          const handle = (await canvas.handleCentres(end.node)).get(end.port)!;
          expect(Math.abs(handle.x - at[0]), `${link.id} at ${end.node}:${end.port} (x)`).toBeLessThan(1.5);
          expect(Math.abs(handle.y - at[1]), `${link.id} at ${end.node}:${end.port} (y)`).toBeLessThan(1.5);
        }
      }
      // Labels: every link has one, and each shown label overlaps no other label and no node.
      const labels = links.map((l) => l.label!);
      expect(labels.every((l) => l !== undefined)).toBe(true);
      const shown = labels
        .filter((l) => l.shown)
        .map((l) => ({ x: l.x - l.width / 2, y: l.y - l.height / 2, w: l.width, h: l.height }));
      shown.forEach((a, i) =>
        shown.slice(i + 1).forEach((b) => expect(boxesOverlap(a, b), 'two labels overlap').toBe(false)),
      );
      for (const label of shown)
        for (const [id, box] of boxes) expect(boxesOverlap(label, box), `a label covers ${id}`).toBe(false);
      // The examples are laid out so that every label fits.
      expect(shown.length).toBe(links.length);
    });
  }

  test('a link under the pointer is highlighted with its label; a click selects it, Delete removes it (one undo step)', async ({
    editor,
    page,
  }) => {
    await editor.openExample('04-vde-slirpvde');
    const canvas = new CanvasView(page);
    await canvas.settled();
    const [link] = await canvas.links();
    // A point on the curve away from its label and its ends.
    const p = await canvas.toScreen({ x: link!.points[3]![0], y: link!.points[3]![1] });
    await page.mouse.move(p.x, p.y);
    await expect.poll(() => canvas.hovered()).toBe(link!.id);
    await page.mouse.click(p.x, p.y);
    await expect(page.getByTestId(`inspector__link__${link!.id}`)).toBeVisible();
    await page.mouse.move(p.x, p.y + 200);
    await expect.poll(() => canvas.hovered()).toBeNull();
    await editor.press('Delete');
    await editor.expectLinkCount(2);
    await editor.press('ControlOrMeta+z');
    await editor.expectLinkCount(3);
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`every example in the ${scheme} theme (screenshots kept with the test's artifacts)`, async ({
      editor,
      page,
    }, info) => {
      await page.emulateMedia({ colorScheme: scheme });
      await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
      const canvas = new CanvasView(page);
      for (const file of EXAMPLES) {
        const stem = file.replace(/\.qnet\.yaml$/, '');
        await editor.openExample(stem);
        await expect.poll(async () => (await canvas.links()).length).toBe(linkCount(file));
        await canvas.settled();
        await expect.poll(async () => (await canvas.drawn()).routes).toBe(linkCount(file));
        await editor.screenshot(info.outputPath(`${stem}-${scheme}.png`));
      }
    });
  }
});
