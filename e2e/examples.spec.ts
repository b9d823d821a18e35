import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compileJson } from './cli';
import { expect, test } from './fixtures';
import { ROOT } from './serve';

const EXAMPLES = readdirSync(join(ROOT, 'assets/examples'))
  .filter((f) => f.endsWith('.qnet.yaml'))
  .sort();

test.describe('examples gallery', () => {
  test('the gallery lists every example', async ({ editor }, info) => {
    await editor.page.getByTestId('toolbar__examples').click();
    await expect(editor.page.locator('[data-testid^="gallery__item__"]')).toHaveCount(EXAMPLES.length);
    await editor.screenshot(info.outputPath('gallery.png'));
  });

  for (const file of EXAMPLES) {
    const stem = file.replace(/\.qnet\.yaml$/, '');
    test(`${stem}: opens with no errors, and its commands equal qnet compile`, async ({ editor, server }, info) => {
      await editor.openExample(stem);
      await editor.showProblems();
      await expect(editor.page.locator('.topo-node').first()).toBeVisible();
      const plan = compileJson(join(ROOT, 'assets/examples', file), server.stateDir);
      await expect(editor.page.locator('[data-testid="app"]')).toHaveAttribute('data-ready', 'true');
      await expect(editor.page.locator('.react-flow__node')).toHaveCount((await editor.page.locator('.topo-node').count()));
      await expect(editor.page.locator('[data-testid^="problems__item__"][data-severity="error"]')).toHaveCount(0);
      expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      await editor.showCommands();
      for (const vm of plan.vms) expect(await editor.argv(vm.node), vm.node).toEqual(vm.argv);
      await editor.screenshot(info.outputPath(`${stem}.png`));
    });
  }
});
