import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { netnsName } from '../shared/compiler/index';
import { netnsExists } from '../electron/testkit/netns';
import { expect, labTest, noLabs } from './fixtures';
import { cleanUpLab } from './labCleanup';
import { ROOT } from './serve';

/*
 * A lab belongs to the document it was launched from: replacing the document leaves nothing of the old lab on the
 * page (pill, badges, Log) and says when a lab keeps running; several labs run at once and the toolbar's lab list
 * shows the one picked, with the document it was launched from; an edit of a running VM says when it applies.
 * Example 05 twice, under names and ports of their own, each lab in its own network namespace.
 */
const example = (name: string, port: number) =>
  readFileSync(join(ROOT, 'assets/examples/05-socket-pair.qnet.yaml'), 'utf8')
    .replace(/^name: socket-pair$/m, `name: ${name}`)
    .replace('port: 40500', `port: ${port}`);
const A = 'socket-pair-labs-a';
const B = 'socket-pair-labs-b';
const NODES = ['server', 'client'] as const;

const test = labTest({ file: `${A}.qnet.yaml`, yaml: example(A, 40575), node: 'server' });

test.describe('labs and documents', () => {
  // The same lab names (namespaces) in each test: they take turns.
  test.describe.configure({ mode: 'default' });
  test.skip(noLabs !== null, noLabs ?? '');
  test.setTimeout(300_000);
  test.afterEach(({ server }) => {
    cleanUpLab(server.stateDir, A);
    cleanUpLab(server.stateDir, B);
  });

  test('after Stop and New nothing of the old lab is left on the page, not even on a pasted VM', async ({
    editor,
    lab,
    page,
  }) => {
    await lab.launch();
    await lab.expectBadges(NODES, 'running');
    await lab.stop();
    await lab.expectBadges(NODES, 'stopped', 90_000);
    await lab.showLog();
    await expect(page.getByTestId('log__step').first()).toBeVisible();

    await editor.selectNode('server');
    await page.keyboard.press('ControlOrMeta+c');
    await page.getByTestId('toolbar__new').click();
    await expect(lab.state()).toHaveAttribute('data-state', 'idle');
    await expect(lab.state()).toHaveText('no lab');
    await expect(page.getByTestId('log__empty')).toBeVisible();
    await editor.canvas.click({ position: { x: 300, y: 300 } });
    await page.keyboard.press('ControlOrMeta+v');
    await expect(page.locator('.react-flow__node')).toHaveCount(1);
    await expect(page.locator('[data-testid$="__badge"]')).toHaveCount(0);
  });

  test('another document while a lab runs: said so, nothing of it drawn; two labs run; the lab list shows each with its own document, Stop stops the drawn one', async ({
    editor,
    lab,
    page,
  }) => {
    await lab.launch();
    await lab.expectBadges(NODES, 'running');

    // B has the same node ids as A: none of A's state may show on it.
    await editor.openFile(`${B}.qnet.yaml`, example(B, 40576));
    await expect(page.getByTestId('toolbar__file')).toHaveText(`${B}.qnet.yaml`);
    await expect(lab.notice()).toContainText(`Lab ${A} keeps running`);
    await expect(lab.state()).toHaveText('no lab (+1 running)');
    await expect(page.locator('[data-testid$="__badge"]')).toHaveCount(0);
    await expect(page.getByTestId('toolbar__stop')).toBeDisabled();

    // Two labs at once.
    await lab.launch();
    await lab.expectBadges(NODES, 'running');
    await expect(lab.state()).toHaveText(`${B}: running (+1 running)`);
    expect([netnsExists(netnsName(A)), netnsExists(netnsName(B))]).toEqual([true, true]);

    // An edit of a running VM says when it applies.
    await editor.selectNode('server');
    await expect(page.getByTestId('inspector__running-note')).toHaveAttribute('data-changed', 'false');
    await editor.setField('memory', '160');
    await expect(page.getByTestId('inspector__running-note')).toHaveAttribute('data-changed', 'true');
    await expect(page.getByTestId('inspector__running-note')).toContainText("apply at the lab's next launch");

    // The lab list: both, B shown; picking A asks about B's unsaved edit, then shows A's own document.
    await lab.openLabList();
    await expect(lab.labItem(A)).toHaveAttribute('data-state', 'running');
    await expect(lab.labItem(B)).toHaveAttribute('data-current', 'true');
    await lab.labItem(A).click();
    await editor.expectUnsavedPrompt(`${B}.qnet.yaml`);
    await editor.answerUnsaved('discard');
    await expect(page.getByTestId('toolbar__file')).toHaveText(`${A}.qnet.yaml`);
    await expect(lab.state()).toHaveText(`${A}: running (+1 running)`);
    await lab.expectBadges(NODES, 'running', 20_000);

    // Stop stops the drawn lab, A; B keeps running.
    await expect(page.getByTestId('toolbar__stop')).toHaveAttribute('title', new RegExp(`^Stop lab ${A}`));
    await lab.stop();
    await lab.expectBadges(NODES, 'stopped', 90_000);
    await expect.poll(() => netnsExists(netnsName(A)), { timeout: 30_000 }).toBe(false);
    expect(netnsExists(netnsName(B))).toBe(true);

    // Back to B: its document (the file it was launched from), its running guests; Stop stops it.
    await lab.openLabList();
    await lab.labItem(B).click();
    await expect(page.getByTestId('toolbar__file')).toHaveText(`${B}.qnet.yaml`);
    await lab.expectBadges(NODES, 'running', 20_000);
    await lab.stop();
    await lab.expectBadges(NODES, 'stopped', 90_000);
    await expect.poll(() => netnsExists(netnsName(B)), { timeout: 30_000 }).toBe(false);
  });
});
