import { expect, test } from './fixtures';

// Screenshots of the main views in both themes, kept as artifacts under test-results/e2e/.
for (const scheme of ['light', 'dark'] as const) {
  test(`main views in the ${scheme} theme`, async ({ editor }, info) => {
    const { page } = editor;
    await page.emulateMedia({ colorScheme: scheme });
    await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
    await editor.screenshot(info.outputPath(`${scheme}-empty.png`));
    await page.getByTestId('toolbar__examples').click();
    await expect(page.locator('[data-testid^="gallery__item__"]').first()).toBeVisible();
    await editor.screenshot(info.outputPath(`${scheme}-gallery.png`));
    await page.getByTestId('gallery__item__07-hub-nat-uplink').click();
    await expect(page.getByTestId('gallery')).toHaveCount(0);
    await expect.poll(async () => (await editor.links()).length).toBeGreaterThan(0);
    await editor.showProblems();
    await editor.screenshot(info.outputPath(`${scheme}-canvas-problems.png`));
    await editor.selectNode((await page.locator('.react-flow__node').first().getAttribute('data-id'))!);
    await editor.showCommands();
    await expect(page.locator('[data-testid^="commands__argv__"]').first()).toBeVisible();
    await editor.screenshot(info.outputPath(`${scheme}-inspector-commands.png`));
  });
}
