import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { netnsName } from '../shared/compiler/index';
import { netnsExists } from '../electron/testkit/netns';
import { expect, labTest, noLabs } from './fixtures';
import { cleanUpLab } from './labCleanup';
import { ConsolesPanel } from './pages/ConsolesPanel';
import { EditorPage } from './pages/EditorPage';
import { LabPage } from './pages/LabPage';
import { ROOT } from './serve';

/*
 * Following a lab from more than one place: a second tab on the same `qnet serve` sees the lab another tab launched
 * (badges, consoles, Stop), and a VM node on the canvas opens its guest's console. Example 05 (two tiny guests joined
 * by a socket pair) under a name and port of its own, so its namespace is never another suite's.
 */
const LAB = 'socket-pair-follow';
const FILE = '05-socket-pair.qnet.yaml';
const YAML = readFileSync(join(ROOT, 'assets/examples', FILE), 'utf8')
  .replace(/^name: socket-pair$/m, `name: ${LAB}`)
  .replace('port: 40500', 'port: 40572');
const NODES = ['server', 'client'] as const;
const READY = (vm: string) => `QNET-READY hostname=${vm}`;

const test = labTest({ file: FILE, yaml: YAML, node: 'server' });

/** `echo` of a shell sum: the guest's answer (`follow-42-…`) differs from the typed line, so it proves the shell ran it. */
const echoLine = (tag: string, word: string) => ({
  typed: `echo ${tag}-$((6*7))-${word}`,
  answer: `${tag}-42-${word}`,
});

test.describe('following a lab', () => {
  // One lab name, one namespace: these tests take turns.
  test.describe.configure({ mode: 'default' });
  test.skip(noLabs !== null, noLabs ?? '');
  test.setTimeout(240_000);

  test.afterEach(({ server }) => cleanUpLab(server.stateDir, LAB));

  test('a second tab sees the running lab: badges, console scrollback and typed lines; its Stop stops both', async ({
    editor,
    lab,
    consoles,
    context,
    server,
  }) => {
    await lab.launch();
    await lab.expectBadges(NODES, 'running');

    // Tab B, opened after the launch, follows the lab without launching it: its untouched canvas shows the running
    // lab's drawing (from the engine, not from A's storage), badges on it.
    const pageB = await context.newPage();
    const editorB = new EditorPage(pageB, server);
    const labB = new LabPage(pageB);
    const consolesB = new ConsolesPanel(pageB);
    await editorB.open();
    await expect(labB.state()).toHaveAttribute('data-state', 'running', { timeout: 20_000 });
    await labB.expectBadges(NODES, 'running', 20_000);
    await expect(pageB.getByTestId('toolbar__file')).toHaveText(`${LAB}.qnet.yaml`);

    // B's consoles start from the ring buffer: the boot, ready line included.
    await consolesB.show();
    for (const vm of NODES) await consolesB.expectText(vm, READY(vm), 120_000);

    // A line typed in A runs in the guest; B's console shows it live.
    const { typed, answer } = echoLine('follow', randomBytes(3).toString('hex'));
    await editor.page.bringToFront();
    await consoles.show();
    await consoles.expectText('server', READY('server'), 120_000);
    await consoles.typeLine('server', typed);
    await consoles.expectText('server', answer, 30_000);
    await pageB.bringToFront();
    await consolesB.expectText('server', answer, 30_000);

    // Stop in B: A sees its guests stop.
    await labB.stop();
    await labB.expectBadges(NODES, 'stopped', 90_000);
    await editor.page.bringToFront();
    await lab.expectBadges(NODES, 'stopped', 30_000);
    await expect(lab.state()).toHaveAttribute('data-state', 'stopped');
    await expect.poll(() => netnsExists(netnsName(LAB)), { timeout: 30_000 }).toBe(false);
  });

  test("a VM's context menu and a double-click open its console", async ({ editor, lab, consoles, page }) => {
    // No lab yet: nothing to open, a double-click leaves the bottom panel alone.
    await editor.openNodeMenu('server');
    await expect(editor.nodeMenuItem('open-console')).toBeDisabled();
    await page.keyboard.press('Escape');
    await editor.node('server').locator('.topo-node__head').dblclick();
    await expect(page.getByTestId('tab__problems')).toHaveAttribute('aria-selected', 'true');

    await lab.launch();
    await lab.expectBadges(NODES, 'running');

    // Right-click → Open console: the Consoles tab on that guest, its keyboard in the guest's shell.
    await editor.openNodeMenu('client');
    await editor.nodeMenuItem('open-console').click();
    await expect(editor.page.getByTestId('node-menu')).toHaveCount(0);
    await expect(page.getByTestId('tab__consoles')).toHaveAttribute('aria-selected', 'true');
    await expect(consoles.tab('client')).toHaveAttribute('aria-selected', 'true');
    await expect(consoles.terminal('client')).toBeVisible();
    await expect(consoles.screen('client')).toContainText(READY('client'), { timeout: 120_000 });
    const client = echoLine('menu', 'client');
    await page.keyboard.type(client.typed);
    await page.keyboard.press('Enter');
    await expect(consoles.screen('client')).toContainText(client.answer, { timeout: 30_000 });

    // Double-click, from another tab of the bottom panel: the same for the other guest.
    await editor.showProblems();
    await editor.node('server').locator('.topo-node__head').dblclick();
    await expect(page.getByTestId('tab__consoles')).toHaveAttribute('aria-selected', 'true');
    await expect(consoles.tab('server')).toHaveAttribute('aria-selected', 'true');
    await expect(consoles.terminal('server')).toBeVisible();
    await expect(consoles.screen('server')).toContainText(READY('server'), { timeout: 120_000 });
    const server = echoLine('dbl', 'server');
    await page.keyboard.type(server.typed);
    await page.keyboard.press('Enter');
    await expect(consoles.screen('server')).toContainText(server.answer, { timeout: 30_000 });

    await lab.stop();
    await lab.expectBadges(NODES, 'stopped', 90_000);
    await expect.poll(() => netnsExists(netnsName(LAB)), { timeout: 30_000 }).toBe(false);
  });
});

// Editing only: no lab, no root needed.
test.describe('node context menu', () => {
  test('closes on Escape and on a click elsewhere; keys stay in it; Select and Delete act on that node', async ({
    editor,
    page,
  }) => {
    const menu = await editor.openNodeMenu('server');
    await expect(editor.nodeMenuItem('open-console')).toBeDisabled();
    await page.keyboard.press('Escape');
    await expect(menu).toHaveCount(0);

    await editor.openNodeMenu('server');
    await editor.canvas.click({ position: { x: 20, y: 20 } });
    await expect(menu).toHaveCount(0);

    await editor.openNodeMenu('client');
    await editor.nodeMenuItem('select').click();
    await expect(menu).toHaveCount(0);
    await expect(page.getByTestId('inspector__node__client')).toBeVisible();

    // With client selected, arrows and Enter in the menu move between its items and run Delete on server; the
    // canvas shortcuts (nudge, delete the selection) never see them.
    const at = await editor.position('client');
    await editor.openNodeMenu('server');
    await expect(editor.nodeMenuItem('select')).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(editor.nodeMenuItem('delete')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(menu).toHaveCount(0);
    await expect(editor.node('server')).toHaveCount(0);
    await expect(editor.node('client')).toBeVisible();
    await editor.expectPosition('client', at);
    await page.keyboard.press('ControlOrMeta+z');
    await expect(editor.node('server')).toBeVisible();
  });
});
