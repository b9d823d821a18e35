import { expect, test } from './fixtures';
import type { EditorPage } from './pages/EditorPage';

/** Two VMs with one NIC each, at the left and right of the canvas. */
async function twoVms(editor: EditorPage): Promise<void> {
  await editor.dropFromPalette('vm', 150, 120);
  await editor.dropFromPalette('vm', 150, 360);
  await editor.addNic('vm1');
  await editor.addNic('vm2');
}

test.describe('problems', () => {
  test('a MAC given twice: DUPLICATE_MAC appears, clicking it selects the VM, fixing the MAC clears it', async ({
    editor,
  }, info) => {
    const { page } = editor;
    await twoVms(editor);
    await editor.selectNode('vm1');
    await editor.setField('nics.0.mac', '52:54:00:12:34:56');
    await editor.selectNode('vm2');
    // Validated as typed: a half-typed MAC is refused with the schema's message and not applied.
    await editor.setField('nics.0.mac', '52:54:00:12');
    await expect(page.getByTestId('inspector__error__nics.0.mac')).toHaveText('must look like 52:54:00:12:34:56');
    await editor.setField('nics.0.mac', '52:54:00:12:34:56');
    await expect(page.getByTestId('inspector__error__nics.0.mac')).toHaveCount(0);

    await editor.showProblems();
    const problem = editor.problem('DUPLICATE_MAC');
    await expect(problem).toBeVisible();
    await expect(problem).toContainText('vm2:eth0: MAC 52:54:00:12:34:56 is also the MAC of vm1:eth0');
    await editor.canvas.click({ position: { x: 5, y: 5 } });
    await expect(page.getByTestId('inspector__node__vm2')).toHaveCount(0);
    await editor.screenshot(info.outputPath('problems-panel.png'));
    await problem.locator('.problem__main').click();
    await expect(editor.node('vm2')).toHaveClass(/selected/);
    await expect(page.getByTestId('inspector__node__vm2')).toBeVisible();

    await editor.setField('nics.0.mac', '52:54:00:12:34:57');
    await expect(editor.problem('DUPLICATE_MAC')).toHaveCount(0);
  });

  test('NICs of two VMs on one hub: HUB_SPANS_VMS appears and its fix makes the hub a VDE switch', async ({
    editor,
  }, info) => {
    await twoVms(editor);
    await editor.dropFromPalette('hub', 600, 240);
    await editor.wire(editor.handle('vm1', 'eth0'), editor.handle('hub1'));
    await editor.wire(editor.handle('vm2', 'eth0'), editor.handle('hub1'));
    await editor.expectLinkCount(2);
    await editor.showProblems();
    const problem = editor.problem('HUB_SPANS_VMS');
    await expect(problem).toBeVisible();
    await expect(editor.node('hub1')).toHaveClass(/has-error/);
    await editor.screenshot(info.outputPath('hub-spans-vms.png'));

    await editor.page.getByTestId('problems__fix__HUB_SPANS_VMS').click();
    await expect(editor.problem('HUB_SPANS_VMS')).toHaveCount(0);
    await expect(editor.node('hub1').locator('.topo-node__kind')).toHaveText('VDE switch');
    await expect.poll(async () => (await editor.linkLabels())[0]).toBe('vde');
    // The fix is one undo step.
    await editor.page.keyboard.press('ControlOrMeta+z');
    await expect(editor.problem('HUB_SPANS_VMS')).toBeVisible();
  });
});
