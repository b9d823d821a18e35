import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { expect, test } from './fixtures';

/*
 * A file whose links name what it does not have (a node deleted by hand, a NIC renamed): each such link is drawn, red,
 * to a box of its own that says what it names; its NIC is said to be on that link; and it is repaired on the canvas,
 * its loose end dragged onto a bridge (the link keeps its id and fields) or the link deleted from its menu. Nothing is
 * dropped before the user acts: a save straight after opening keeps both links.
 */
const FILE = 'dangling.qnet.yaml';
const YAML = `version: 2
name: dangling
nodes:
  - { id: vm1, kind: vm, boot: { type: tiny }, nics: [{ id: eth0, model: virtio }] }
  - { id: vm2, kind: vm, boot: { type: tiny }, nics: [{ id: eth0, model: virtio }] }
  - { id: br1, kind: bridge }
links:
  - { id: up, a: 'vm1:eth0', b: 'ghost:eth0', shaping: { rate: 1mbit } }
  - { id: stale, a: 'vm2:eth0', b: 'vm1:eth7' }
layout:
  nodes:
    vm1: { x: 100, y: 100 }
    vm2: { x: 100, y: 320 }
    br1: { x: 600, y: 200 }
`;

interface SavedLink {
  id?: string;
  a: string;
  b: string;
  shaping?: { rate?: string };
}

async function savedLinks(path: string): Promise<SavedLink[]> {
  return (parse(await readFile(path, 'utf8')) as { links?: SavedLink[] }).links ?? [];
}

test('a dangling link is drawn to a red loose end, its NIC is on it, and it is reattached or deleted on the canvas', async ({
  editor,
}, info) => {
  const { page } = editor;
  await editor.openFile(FILE, YAML);
  await expect(editor.node('br1')).toBeVisible();

  // Both links are drawn, red, each to a loose end naming what is missing.
  await expect.poll(async () => (await editor.links()).map((l) => l.id).sort()).toEqual(['stale', 'up']);
  await expect.poll(() => page.evaluate(() => window.qnetCanvas!.errors())).toEqual(['stale', 'up']);
  await expect(page.getByTestId('loose__up__b')).toContainText('ghost:eth0');
  await expect(page.getByTestId('loose__up__b')).toHaveAttribute('title', /node "ghost" does not exist/);
  await expect(page.getByTestId('loose__stale__b')).toHaveAttribute('title', /VM "vm1" has no NIC "eth7"/);
  await editor.screenshot(info.outputPath('dangling.png'));

  // Problems names each link; the NICs they hold are said to be on them, not "not linked".
  await editor.showProblems();
  await expect(editor.problem('LINK_DANGLING').filter({ hasText: 'ghost' })).toBeVisible();
  await expect(editor.problem('LINK_DANGLING').filter({ hasText: 'eth7' })).toBeVisible();
  const peers = editor.problem('NIC_NO_PEER');
  await expect(peers.filter({ hasText: 'vm1:eth0 is on link up' })).toBeVisible();
  await expect(peers.filter({ hasText: 'vm2:eth0 is on link stale' })).toBeVisible();
  await expect(peers.filter({ hasText: 'not linked' })).toHaveCount(0);

  // Nothing is lost on load.
  const untouched = info.outputPath('untouched.qnet.yaml');
  await (await editor.save()).saveAs(untouched);
  expect((await savedLinks(untouched)).map((l) => [l.id, l.a, l.b])).toEqual([
    ['up', 'vm1:eth0', 'ghost:eth0'],
    ['stale', 'vm2:eth0', 'vm1:eth7'],
  ]);

  // The loose end of `up` dragged onto the bridge: the same link, now to br1, no refusal.
  await editor.wire(page.locator('[data-testid="loose__up__b"] .react-flow__handle'), editor.handle('br1'));
  await expect(page.getByTestId('loose__up__b')).toHaveCount(0);
  await expect(page.getByTestId('notice').filter({ hasText: 'refused' })).toHaveCount(0);
  await expect.poll(async () => (await editor.links()).find((l) => l.id === 'up')?.b).toEqual({ node: 'br1' });

  // `stale` deleted from its loose end's menu (a link's menu).
  await page.getByTestId('loose__stale__b').click({ button: 'right' });
  await expect(page.getByTestId('link-menu')).toHaveAttribute('data-link', 'stale');
  await editor.linkMenuItem('delete').click();
  await expect(page.getByTestId('loose__stale__b')).toHaveCount(0);
  await editor.expectLinkCount(1);
  await expect(editor.problem('LINK_DANGLING')).toHaveCount(0);
  await expect(peers.filter({ hasText: 'vm1:eth0' })).toHaveCount(0);
  await expect.poll(() => page.evaluate(() => window.qnetCanvas!.errors())).toEqual([]);

  const repaired = info.outputPath('repaired.qnet.yaml');
  await (await editor.save()).saveAs(repaired);
  const links = await savedLinks(repaired);
  expect(links).toHaveLength(1);
  expect(links[0]).toMatchObject({ id: 'up', a: 'vm1:eth0', b: 'br1', shaping: { rate: '1mbit' } });
});
