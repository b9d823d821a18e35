import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { expect, test } from './fixtures';
import { expectDiagramExports } from './diagram';

interface SavedDoc {
  nodes: { id: string; name?: string; nics?: { id: string; mac?: string }[] }[];
  links: { a: string; b: string }[];
}

test.describe('canvas editing', () => {
  test('copy/paste: fresh ids and names, fixed MACs become auto, links between copies copied; one undo step', async ({
    editor,
  }, info) => {
    await editor.buildPointToPoint();
    await editor.selectNode('vm1');
    await editor.setField('nics.0.mac', '52:54:00:12:34:56');
    await editor.canvas.click({ position: { x: 5, y: 5 } });

    await editor.press('ControlOrMeta+a');
    await expect(editor.node('vm1')).toHaveClass(/selected/);
    await expect(editor.node('vm2')).toHaveClass(/selected/);
    await editor.press('ControlOrMeta+c');
    await editor.press('ControlOrMeta+v');
    await expect(editor.node('vm3')).toBeVisible();
    await expect(editor.node('vm4')).toBeVisible();
    await editor.expectLinkCount(2);
    // What was pasted is selected, offset from the original.
    await expect(editor.node('vm3')).toHaveClass(/selected/);
    await expect(editor.node('vm1')).not.toHaveClass(/selected/);
    const [p1, p3] = [await editor.position('vm1'), await editor.position('vm3')];
    expect(p3).toEqual({ x: p1.x + 40, y: p1.y + 40 });

    const file = info.outputPath('pasted.qnet.yaml');
    await (await editor.save()).saveAs(file);
    const saved = parse(await readFile(file, 'utf8')) as SavedDoc;
    const byId = new Map(saved.nodes.map((n) => [n.id, n]));
    expect(byId.get('vm3')!.name).toBe('vm3');
    expect(byId.get('vm1')!.nics![0]!.mac).toBe('52:54:00:12:34:56');
    expect(byId.get('vm3')!.nics![0]!.mac ?? 'auto').toBe('auto');
    expect(saved.links.map((l) => `${l.a} ${l.b}`)).toEqual(['vm1:eth0 vm2:eth0', 'vm3:eth0 vm4:eth0']);
    await editor.showProblems();
    await expect(editor.problem('DUPLICATE_MAC')).toHaveCount(0);

    await editor.press('ControlOrMeta+z');
    await expect(editor.node('vm3')).toHaveCount(0);
    await expect(editor.node('vm4')).toHaveCount(0);
    await editor.expectLinkCount(1);
  });

  test('Copy on the canvas is the newest thing on the system clipboard: QEMU text copied before it is not what Ctrl+V brings', async ({
    editor,
    page,
    context,
  }) => {
    // Text copied earlier elsewhere (a terminal, another tab: Chromium's clipboard outlives a page and its context).
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.evaluate(() =>
      navigator.clipboard.writeText('qemu-system-x86_64 -netdev user,id=n0 -device e1000,netdev=n0'),
    );
    await editor.dropFromPalette('vm', 200, 160);
    await editor.selectNode('vm1');
    await editor.press('ControlOrMeta+c');
    await editor.canvas.click({ position: { x: 5, y: 5 } });
    await editor.press('ControlOrMeta+v');
    await expect(editor.node('vm2')).toBeVisible();
    await expect(page.locator('.react-flow__node')).toHaveCount(2);
    // The copy is on the system clipboard as a topology file of the copied nodes, for an editor elsewhere.
    const text = await page.evaluate(() => navigator.clipboard.readText());
    expect(parse(text)).toMatchObject({ nodes: [{ id: 'vm1', kind: 'vm' }] });
  });

  test('arrow keys nudge the selection by a grid step (Shift: larger); each press is one undo step', async ({
    editor,
  }) => {
    await editor.dropFromPalette('vm', 200, 160);
    await editor.dropFromPalette('vm', 200, 400);
    await editor.selectNode('vm1');
    const start = await editor.position('vm1');
    const other = await editor.position('vm2');
    await editor.press('ArrowRight', 2);
    await editor.expectPosition('vm1', { x: start.x + 20, y: start.y });
    await editor.press('Shift+ArrowDown');
    await editor.expectPosition('vm1', { x: start.x + 20, y: start.y + 50 });
    expect(await editor.position('vm2')).toEqual(other);
    await editor.press('ControlOrMeta+z');
    await editor.expectPosition('vm1', { x: start.x + 20, y: start.y });
    await editor.press('ControlOrMeta+z', 2);
    await editor.expectPosition('vm1', start);
    await expect(editor.node('vm2')).toBeVisible();
  });

  test('the diagram exports as SVG (XML, every node named) and PNG (decodes, a node is painted)', async ({
    editor,
  }, info) => {
    await editor.openExample('05-socket-pair');
    expect(await editor.page.locator('.topo-node__name').count()).toBeGreaterThan(1);
    await expectDiagramExports(editor, info);
  });

  test('light and dark themes: follows the system by default, the toolbar toggle wins and is remembered', async ({
    editor,
  }, info) => {
    const { page } = editor;
    const theme = () => page.locator('html').getAttribute('data-theme');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(theme).toBe('dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(theme).toBe('light');
    const toggle = page.getByTestId('toolbar__theme');
    await expect(toggle).toHaveAttribute('data-theme-pref', 'system');
    await toggle.click(); // system → light
    await toggle.click(); // light → dark
    await expect(toggle).toHaveAttribute('data-theme-pref', 'dark');
    await expect.poll(theme).toBe('dark');
    await expect(page.locator('.react-flow')).toHaveClass(/dark/);
    await page.reload();
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    await expect(toggle).toHaveAttribute('data-theme-pref', 'dark');
    await expect.poll(theme).toBe('dark');
    await editor.screenshot(info.outputPath('dark-empty.png'));
    await toggle.click(); // dark → system (light here)
    await expect.poll(theme).toBe('light');
  });
});
