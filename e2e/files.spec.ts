import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures';

const BAD = `version: 1
name: bad
nodes:
  - id: alpha
    kind: vm
    memory: lots
    nics:
      - id: eth0
        mac: 52:54:00:zz
`;

test.describe('files and history', () => {
  test('point-to-point from empty: undo back to empty, redo to the end; save, reload, open: same topology and layout', async ({
    editor,
  }, info) => {
    const { page } = editor;
    await editor.buildPointToPoint();
    const first = info.outputPath('first.qnet.yaml');
    await (await editor.save()).saveAs(first);
    const saved = await readFile(first, 'utf8');
    const positions = { vm1: await editor.position('vm1'), vm2: await editor.position('vm2') };

    // Five steps: two drops, two NICs, one wire.
    await editor.press('ControlOrMeta+z', 5);
    await expect(page.getByTestId('canvas__empty')).toBeVisible();
    await expect(page.locator('.react-flow__node')).toHaveCount(0);
    await expect(page.getByTestId('toolbar__undo')).toBeDisabled();
    await editor.press('ControlOrMeta+Shift+z', 5);
    await expect(page.getByTestId('toolbar__redo')).toBeDisabled();
    await editor.expectLinkCount(1);
    const redone = info.outputPath('redone.qnet.yaml');
    await (await editor.save()).saveAs(redone);
    expect(await readFile(redone, 'utf8')).toBe(saved);

    await page.reload();
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    await expect(page.getByTestId('canvas__empty')).toBeVisible();
    await editor.openFile('untitled.qnet.yaml', saved);
    await editor.expectLinkCount(1);
    await editor.expectPosition('vm1', positions.vm1);
    await editor.expectPosition('vm2', positions.vm2);
    const reopened = info.outputPath('reopened.qnet.yaml');
    await (await editor.save()).saveAs(reopened);
    expect(await readFile(reopened, 'utf8')).toBe(saved);
  });

  test('a bad file shows the loader errors (line, node, field) and the open document stays', async ({
    editor,
  }, info) => {
    const { page } = editor;
    await editor.openExample('05-socket-pair');
    const before = await page.locator('.topo-node__name').allTextContents();
    await editor.openFile('bad.qnet.yaml', BAD);
    const dialog = page.getByTestId('open-errors');
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('Cannot open bad.qnet.yaml');
    await expect(dialog.locator('li')).toHaveText([
      'bad.qnet.yaml:6: node "alpha" (vm): field "memory": must be a number (got text "lots")',
      'bad.qnet.yaml:9: node "alpha" (vm): field "nics[0].mac": must look like 52:54:00:12:34:56 (got text "52:54:00:zz")',
    ]);
    await editor.screenshot(info.outputPath('open-errors.png'));
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.locator('.topo-node__name')).toHaveText(before);
    await expect(page.getByTestId('toolbar__file')).toHaveText('05-socket-pair.qnet.yaml');
  });
});
