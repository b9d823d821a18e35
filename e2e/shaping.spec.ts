import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { netnsName } from '../shared/compiler/index';
import { netnsExists } from '../electron/testkit/netns';
import { cleanUpLab } from './labCleanup';
import { expect, labTest, noLabs, test } from './fixtures';

const kernelHasNetem =
  spawnSync('unshare', ['-Urn', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']).status === 0;

/*
 * A link's shaping in the inspector: the file's property, shown at once as the tc steps of the Commands panel; netem
 * fields on a kernel without sch_netem said plainly in the inspector; a link with no tap says shaping is unavailable.
 */
test.describe('link shaping in the inspector', () => {
  test('a rate on a guest-to-bridge link becomes a tc step; netem is refused naming sch_netem', async ({
    editor,
    page,
  }) => {
    await editor.openExample('02-tap-bridge');
    const link = (await editor.links())[0]!.id;
    await editor.openLinkMenu(link);
    await editor.linkMenuItem('select').click();
    const form = page.getByTestId('inspector__shaping');
    await expect(form).toBeVisible();
    await expect(page.getByTestId('inspector__shaping__unavailable')).toHaveCount(0);

    await editor.setField('shaping.rate', '1mbit');
    await editor.showCommands();
    const steps = page.locator('[data-testid^="commands__setup__"][data-argv]');
    // Both ways: on the tap (toward the guest) and on the ifb its ingress is sent through (from the guest).
    await expect(steps.filter({ hasText: 'tc qdisc replace dev' })).toContainText([
      /dev qn\w+ root tbf rate 1mbit burst 3028/,
      /dev qi\w+ root tbf rate 1mbit burst 3028/,
    ]);
    await expect(steps.filter({ hasText: 'mirred egress redirect dev qi' })).toHaveCount(1);
    await expect(page.getByTestId('commands')).toContainText(`Shape link ${link} toward its guest on tap`);
    await expect(page.getByTestId('commands')).toContainText(`Shape link ${link} from its guest on ifb`);

    // A bad rate stays in the field with the schema's words; the plan keeps 1mbit.
    await page.getByTestId('inspector__field__shaping.rate').fill('fast');
    await expect(form).toContainText('must be a rate like 1mbit');

    await editor.setField('shaping.rate', '1mbit');
    // The page's target carries what the server's kernel answered; this one has no sch_netem.
    test.skip(kernelHasNetem, 'this kernel has sch_netem: nothing to refuse');
    await editor.setField('shaping.delay', '20ms');
    const problem = page.getByTestId('inspector__shaping__problem');
    await expect(problem).toHaveAttribute('data-code', 'NETEM_MISSING');
    await expect(problem).toContainText('module sch_netem');
    await page.getByTestId('inspector__field__shaping.delay').fill('');
    await expect(problem).toHaveCount(0);
  });

  test('a link between two guests is no tap: shaping is unavailable, and asking for it is an error', async ({
    editor,
    page,
  }) => {
    await editor.openExample('05-socket-pair');
    await editor.openLinkMenu('wire');
    await editor.linkMenuItem('select').click();
    await expect(page.getByTestId('inspector__shaping__unavailable')).toContainText('Shaping is unavailable');
    await editor.setField('shaping.rate', '1mbit');
    await expect(page.getByTestId('inspector__shaping__problem')).toHaveAttribute('data-code', 'SHAPING_NOT_TAP');
  });
});

/*
 * Live shaping from the inspector on a running lab (two tiny guests on a bridge the lab makes, netns isolation): a
 * rate set in the inspector and applied is a tbf qdisc on the link's tap and on its ifb in the lab's namespace, as
 * `tc` there lists it (not the engine's word for it); cleared and applied, both are gone.
 */
const LIVE = `shape-live-${randomBytes(3).toString('hex')}`;
const LIVE_YAML = `version: 2
name: ${LIVE}
nodes:
  - { id: alpha, kind: vm, name: alpha, memory: 128, boot: { type: tiny }, nics: [{ id: eth0, model: virtio, ip: 10.0.33.1/24 }] }
  - { id: beta, kind: vm, name: beta, memory: 128, boot: { type: tiny }, nics: [{ id: eth0, model: virtio, ip: 10.0.33.2/24 }] }
  - { id: br0, kind: bridge, name: br0 }
links:
  - { id: al, a: 'alpha:eth0', b: br0 }
  - { id: bl, a: 'beta:eth0', b: br0 }
layout:
  nodes:
    alpha: { x: 100, y: 100 }
    beta: { x: 100, y: 300 }
    br0: { x: 480, y: 200 }
`;

/** The devices with a tbf root qdisc in the lab's namespace, each with its rate as tc prints it. */
function tbfRoots(): string[] {
  const r = spawnSync('ip', ['netns', 'exec', netnsName(LIVE), 'tc', 'qdisc', 'show'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return [...r.stdout.matchAll(/^qdisc tbf \S+ dev (\S+) root .*\brate (\S+)/gm)]
    .map((m) => `${(m[1] ?? '').slice(0, 2)} ${m[2]}`)
    .sort();
}

const live = labTest({ file: 'shape-live.qnet.yaml', yaml: LIVE_YAML, node: 'alpha' });

live.describe('live shaping from the inspector', () => {
  live.skip(noLabs !== null, noLabs ?? '');
  live.setTimeout(240_000);
  live.afterEach(({ server }) => cleanUpLab(server.stateDir, LIVE));

  live(
    'a rate applied to a running link is tc on its tap and ifb in the lab; taken off, the qdiscs go',
    async ({ editor, lab, page }) => {
      await lab.launch();
      await lab.expectBadges(['alpha', 'beta'], 'running');
      expect(tbfRoots()).toEqual([]);

      await editor.openLinkMenu('al');
      await editor.linkMenuItem('select').click();
      await editor.setField('shaping.rate', '1mbit');
      const apply = page.getByTestId('inspector__shaping__apply');
      await expect(apply).toHaveText('Apply to the running lab');
      await apply.click();
      await expect(lab.notice()).toContainText('Link al shaped: rate 1mbit');
      // Both ways: the link's tap (qn…, toward alpha) and its ifb (qi…, from alpha); beta's link untouched.
      await expect.poll(tbfRoots).toEqual(['qi 1Mbit', 'qn 1Mbit']);

      await editor.setField('shaping.rate', '2mbit');
      await apply.click();
      await expect(lab.notice()).toContainText('Link al shaped: rate 2mbit');
      await expect.poll(tbfRoots).toEqual(['qi 2Mbit', 'qn 2Mbit']);

      await page.getByTestId('inspector__field__shaping.rate').fill('');
      await page.getByTestId('inspector__field__shaping.rate').blur();
      await expect(apply).toHaveText('Take it off the running link');
      await apply.click();
      await expect(lab.notice()).toContainText('Link al unshaped');
      await expect.poll(tbfRoots).toEqual([]);

      await lab.stop();
      await expect.poll(() => netnsExists(netnsName(LIVE)), { timeout: 60_000 }).toBe(false);
    },
  );
});
