import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { expect, test } from './fixtures';

interface SavedLayout {
  version: number;
  layout?: {
    nodes?: Record<string, unknown>;
    annotations?: { id: string; kind: string; text?: string; label?: string; color?: string }[];
  };
  nodes: unknown[];
}

test.describe('annotations', () => {
  test('a note: added and written in one undo step each, kept in the layout block over save and reload, in the SVG export', async ({
    editor,
    page,
  }, info) => {
    await editor.openExample('05-socket-pair');
    await page.getByTestId('canvas__addNote').click();
    const note = page.getByTestId('annotation__note1');
    await expect(note).toBeVisible();
    await note.dblclick();
    const input = page.getByTestId('annotation__note1__input');
    await input.fill('alpha listens,\nbeta connects');
    await input.press('ControlOrMeta+Enter');
    await expect(note).toContainText('alpha listens,');
    await editor.expectDirty(true);

    // Written: one step back is the fresh note, one more and it is gone.
    await editor.press('ControlOrMeta+z');
    await expect(note).toHaveText('Note');
    await editor.press('ControlOrMeta+z');
    await expect(note).toHaveCount(0);
    await editor.press('ControlOrMeta+Shift+z', 2);
    await expect(note).toContainText('beta connects');

    // Dragged like a node: one undo step.
    const at = (await note.boundingBox())!;
    await page.mouse.move(at.x + 20, at.y + 10);
    await page.mouse.down();
    await page.mouse.move(at.x + 80, at.y + 70, { steps: 6 });
    await page.mouse.up();
    await expect.poll(async () => (await note.boundingBox())!.x).toBeGreaterThan(at.x + 40);
    await editor.press('ControlOrMeta+z');
    await expect.poll(async () => (await note.boundingBox())!.x).toBeCloseTo(at.x, 0);
    await expect(note).toContainText('beta connects');

    const file = info.outputPath('noted.qnet.yaml');
    await (await editor.save()).saveAs(file);
    const text = await readFile(file, 'utf8');
    const saved = parse(text) as SavedLayout;
    expect(saved.version).toBe(2);
    expect(saved.layout?.annotations).toEqual([
      expect.objectContaining({ id: 'note1', kind: 'note', text: 'alpha listens,\nbeta connects' }),
    ]);
    // The topology part is untouched: the note is in the layout block at the end of the file.
    expect(text.indexOf('annotations:')).toBeGreaterThan(text.indexOf('layout:'));

    await page.reload();
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    await editor.openFile('noted.qnet.yaml', text);
    await expect(page.getByTestId('annotation__note1')).toContainText('alpha listens,');

    const svg = await readFile(await (await editor.toolbarDownload('export-svg')).path(), 'utf8');
    expect(svg).toContain('data-annotation="note1"');
    expect(svg).toContain('>alpha listens,</text>');
    expect(svg).toContain('>beta connects</text>');
  });

  test('a shaded area: drawn around the selected nodes and behind them, recoloured and renamed (a step each), deleted, in the SVG export', async ({
    editor,
    page,
  }, info) => {
    await editor.openExample('04-vde-slirpvde');
    await editor.selectNode('vm1');
    await editor
      .node('vm2')
      .locator('.topo-node__head')
      .click({ modifiers: ['Shift'] });
    await page.getByTestId('canvas__addArea').click();
    const area = page.getByTestId('annotation__area1');
    await expect(area).toBeVisible();
    const outer = (await area.boundingBox())!;
    for (const id of ['vm1', 'vm2']) {
      const inner = (await editor.node(id).boundingBox())!;
      expect(inner.x).toBeGreaterThan(outer.x);
      expect(inner.y).toBeGreaterThan(outer.y);
      expect(inner.x + inner.width).toBeLessThan(outer.x + outer.width);
      expect(inner.y + inner.height).toBeLessThan(outer.y + outer.height);
    }
    // Behind the nodes: a node inside it still takes the click.
    const vm = editor.node('vm1');
    await vm.locator('.topo-node__head').click();
    await expect(page.getByTestId('inspector__node__vm1')).toBeVisible();

    await area.locator('.area__label').click();
    await page.getByTestId('annotation__area1__color__green').click();
    await expect(area).toHaveAttribute('data-color', 'green');
    await area.locator('.area__label').dblclick();
    await page.getByTestId('annotation__area1__input').fill('site A');
    await page.getByTestId('annotation__area1__input').press('Enter');
    await expect(area.locator('.area__label')).toHaveText('site A');

    const file = info.outputPath('area.qnet.yaml');
    await (await editor.save()).saveAs(file);
    const saved = parse(await readFile(file, 'utf8')) as SavedLayout;
    expect(saved.layout?.annotations).toEqual([
      expect.objectContaining({ id: 'area1', kind: 'area', label: 'site A', color: 'green' }),
    ]);
    const svg = await readFile(await (await editor.toolbarDownload('export-svg')).path(), 'utf8');
    expect(svg).toMatch(/<rect data-annotation="area1"[^>]*fill-opacity/);
    expect(svg).toContain('>site A</text>');

    await editor.press('ControlOrMeta+z');
    await expect(area.locator('.area__label')).toHaveText('area1');
    await area.locator('.area__label').click();
    await editor.press('Delete');
    await expect(area).toHaveCount(0);
    await editor.press('ControlOrMeta+z');
    await expect(area).toBeVisible();
  });
});
