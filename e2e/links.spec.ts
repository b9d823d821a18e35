import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as base, expect } from '@playwright/test';
import { missingPrograms } from '../electron/testkit/qemuProbe';
import { cleanUpLab } from './labCleanup';
import { EditorPage } from './pages/EditorPage';
import { LabPage } from './pages/LabPage';
import { ROOT, startServe, type Served } from './serve';

/*
 * Link control from the canvas on a running lab: a link's context menu sets it down and up, the canvas draws it
 * dashed while down, and a reloaded page reads the state back from the engine. Example 05 (two tiny guests on link
 * `wire`, a socket pair) under a name and port of its own.
 */
const LAB = 'socket-pair-links';
const FILE = '05-socket-pair.qnet.yaml';
const YAML = readFileSync(join(ROOT, 'assets/examples', FILE), 'utf8')
  .replace(/^name: socket-pair$/m, `name: ${LAB}`)
  .replace('port: 40500', 'port: 40574');

const missing = missingPrograms(['qemu-system-x86_64', 'ip']);
const why =
  process.getuid?.() !== 0
    ? 'needs root (the lab runs in a network namespace)'
    : missing.length
      ? `missing ${missing.join(', ')}`
      : null;

const test = base.extend<{ server: Served; editor: EditorPage; lab: LabPage }>({
  // eslint-disable-next-line no-empty-pattern
  server: async ({}, use) => {
    const served = await startServe(['--isolation', 'netns']);
    await use(served);
    await served.stop();
  },
  editor: async ({ page, server }, use) => {
    const editor = new EditorPage(page, server);
    await editor.open();
    await editor.openFile(FILE, YAML);
    await expect(editor.node('server')).toBeVisible();
    await use(editor);
  },
  lab: async ({ page }, use) => use(new LabPage(page)),
});

test.describe('link control on the canvas', () => {
  test.skip(why !== null, why ?? '');
  test.setTimeout(240_000);
  test.afterEach(({ server }) => cleanUpLab(server.stateDir, LAB));

  test('a link is set down and up from its menu, drawn dashed while down, and a reload keeps it', async ({
    editor,
    lab,
    page,
  }) => {
    // Before a launch there is nothing to pull: the item is there, greyed.
    await editor.openLinkMenu('wire');
    await expect(editor.linkMenuItem('link-down')).toBeDisabled();
    await expect(editor.linkMenuItem('link-up')).toBeDisabled();
    await page.keyboard.press('Escape');

    await lab.launch();
    await lab.expectBadges(['server', 'client'], 'running');
    await editor.openLinkMenu('wire');
    await expect(editor.linkMenuItem('link-up')).toBeDisabled();
    await editor.linkMenuItem('link-down').click();
    await expect.poll(() => editor.downLinks()).toEqual(['wire']);

    await page.reload();
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    await lab.expectBadges(['server', 'client'], 'running');
    await expect.poll(() => editor.downLinks()).toEqual(['wire']);
    await editor.openLinkMenu('wire');
    await expect(editor.linkMenuItem('link-down')).toBeDisabled();
    await editor.linkMenuItem('link-up').click();
    await expect.poll(() => editor.downLinks()).toEqual([]);

    await lab.stop();
    await expect(lab.state()).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
  });
});
