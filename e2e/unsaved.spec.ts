import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures';

test.describe('unsaved changes are never lost silently', () => {
  test("New asks first: Cancel keeps the changes, Don't Save replaces them", async ({ editor }, info) => {
    const { page } = editor;
    await editor.dropFromPalette('vm', 300, 200);
    await expect(editor.node('vm1')).toBeVisible();
    await editor.expectDirty(true);

    await page.getByTestId('toolbar__new').click();
    await editor.expectUnsavedPrompt('untitled.qnet.yaml');
    await editor.screenshot(info.outputPath('unsaved-prompt.png'));
    await editor.answerUnsaved('cancel');
    await expect(editor.node('vm1')).toBeVisible();
    await editor.expectDirty(true);

    // Escape is Cancel too, and the shortcuts do not reach the document behind the question.
    await page.getByTestId('toolbar__new').click();
    await editor.expectUnsavedPrompt('untitled.qnet.yaml');
    await page.keyboard.press('ControlOrMeta+z');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('unsaved')).toHaveCount(0);
    await expect(editor.node('vm1')).toBeVisible();

    await page.getByTestId('toolbar__new').click();
    await editor.expectUnsavedPrompt('untitled.qnet.yaml');
    await editor.answerUnsaved('discard');
    await expect(page.getByTestId('canvas__empty')).toBeVisible();
    await editor.expectDirty(false);
  });

  test('an example over unsaved changes: Save downloads them first, then the example opens', async ({
    editor,
  }, info) => {
    const { page } = editor;
    await editor.dropFromPalette('hub', 300, 200);
    await page.getByTestId('toolbar__examples').click();
    await page.getByTestId('gallery__item__05-socket-pair').click();
    await editor.expectUnsavedPrompt('untitled.qnet.yaml');
    const download = await editor.downloadBy(() => page.getByTestId('unsaved__save').click());
    expect(download.suggestedFilename()).toBe('untitled.qnet.yaml');
    const saved = info.outputPath('saved.qnet.yaml');
    await download.saveAs(saved);
    expect(await readFile(saved, 'utf8')).toContain('kind: hub');
    await expect(page.getByTestId('gallery')).toHaveCount(0);
    await expect(page.getByTestId('toolbar__file')).toHaveText('05-socket-pair.qnet.yaml');
    await editor.expectDirty(false);
  });

  test('undoing back to the opened document is clean: New replaces it without asking', async ({ editor }) => {
    const { page } = editor;
    await editor.openExample('05-socket-pair');
    await editor.selectNode('server');
    await editor.setField('memory', '512');
    await editor.expectDirty(true);
    await editor.press('ControlOrMeta+z');
    await editor.expectDirty(false);
    await page.getByTestId('toolbar__new').click();
    await expect(page.getByTestId('canvas__empty')).toBeVisible();
    await expect(page.getByTestId('unsaved')).toHaveCount(0);
  });

  test("leaving the page with unsaved changes asks the browser's question; a clean page leaves quietly", async ({
    editor,
  }) => {
    const { page } = editor;
    await editor.dropFromPalette('vm', 300, 200);
    await editor.expectDirty(true);
    const asked: string[] = [];
    page.on('dialog', (d) => {
      asked.push(d.type());
      void d.accept();
    });
    await page.reload();
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    expect(asked).toEqual(['beforeunload']);
    await editor.expectDirty(false);
    await page.reload();
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    expect(asked).toEqual(['beforeunload']);
  });
});
