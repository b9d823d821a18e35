import { spawnSync } from 'node:child_process';
import { expect, test } from './fixtures';

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
