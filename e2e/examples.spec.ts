import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileJson, qnet } from './cli';
import { expectDiagramExports } from './diagram';
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
    test(`${stem}: opens with no errors, its commands equal qnet compile, its scripts qnet export's, its diagram exports`, async ({
      editor,
      server,
    }, info) => {
      await editor.openExample(stem);
      await editor.showProblems();
      await expect(editor.page.locator('.topo-node').first()).toBeVisible();
      const plan = compileJson(join(ROOT, 'assets/examples', file), server.stateDir);
      await expect(editor.page.locator('[data-testid="app"]')).toHaveAttribute('data-ready', 'true');
      await expect(editor.page.locator('.react-flow__node-topo')).toHaveCount(
        await editor.page.locator('.topo-node').count(),
      );
      await expect(editor.page.locator('[data-testid^="problems__item__"][data-severity="error"]')).toHaveCount(0);
      expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      await editor.showCommands();
      for (const vm of plan.vms) expect(await editor.argv(vm.node), vm.node).toEqual(vm.argv);
      await editor.screenshot(info.outputPath(`${stem}.png`));

      // Export scripts: the tar the page downloads holds the same bytes and modes as `qnet export` writes.
      const download = await editor.toolbarDownload('export');
      const tar = info.outputPath(download.suggestedFilename());
      await download.saveAs(tar);
      const fromPage = info.outputPath('page');
      mkdirSync(fromPage, { recursive: true });
      const untar = spawnSync('tar', ['-xf', tar, '-C', fromPage], { encoding: 'utf8' });
      expect(untar.status, untar.stderr).toBe(0);
      const [dir, ...more] = readdirSync(fromPage);
      expect(more).toEqual([]);
      const fromCli = info.outputPath('cli');
      const r = qnet('export', join(ROOT, 'assets/examples', file), '-o', fromCli, '--state-dir', server.stateDir);
      expect(r.code, r.err).toBe(0);
      const names = readdirSync(fromCli).sort();
      expect(readdirSync(join(fromPage, dir!)).sort()).toEqual(names);
      for (const name of names) {
        const [a, b] = [join(fromPage, dir!, name), join(fromCli, name)];
        expect(readFileSync(a).equals(readFileSync(b)), name).toBe(true);
        expect(statSync(a).mode & 0o777, name).toBe(statSync(b).mode & 0o777);
      }

      await expectDiagramExports(editor, info);
    });
  }
});
