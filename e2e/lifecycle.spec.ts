import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { netnsName } from '../shared/compiler/index';
import { netnsExists } from '../electron/testkit/netns';
import { expect, labTest, noLabs } from './fixtures';
import { cleanUpLab } from './labCleanup';
import { ROOT } from './serve';

/*
 * One guest's life from its node's context menu while the lab runs: stopped (its badge says so, the others still
 * reach each other and no longer it), started again (it answers again). Example 06, three tiny guests on one
 * multicast segment, under a lab name of its own in its own network namespace.
 */
const LAB = 'mcast-bus-lifecycle';
const FILE = '06-mcast-bus.qnet.yaml';
const YAML = readFileSync(join(ROOT, 'assets/examples', FILE), 'utf8').replace(/^name: mcast-bus$/m, `name: ${LAB}`);
const NODES = ['n1', 'n2', 'n3'] as const;

const test = labTest({ file: FILE, yaml: YAML, node: 'n1' });

test.describe('node lifecycle from the context menu', () => {
  test.skip(noLabs !== null, noLabs ?? '');
  test.setTimeout(300_000);
  test.afterEach(({ server }) => cleanUpLab(server.stateDir, LAB));

  test('stop one VM: its badge says stopped, the others still ping each other and not it; start it: it answers again', async ({
    editor,
    lab,
    consoles,
  }) => {
    let n = 0;
    /**
     * Pings `ip` from n1's shell, a few times (a guest just started may still be booting once its badge says
     * running); the answer (`up-<n>` or `down-<n>`) differs from the typed line and from earlier answers.
     */
    const ping = async (ip: string, expected: 'up' | 'down') => {
      n += 1;
      const tries = expected === 'up' ? 40 : 3;
      await consoles.typeLine(
        'n1',
        `i=0; until ping -c 1 -W 1 ${ip} >/dev/null; do i=$((i+1)); [ $i -ge ${tries} ] && break; done; ` +
          `[ $i -lt ${tries} ] && echo up-$((${n}*1000)) || echo down-$((${n}*1000))`,
      );
      await expect(consoles.screen('n1')).toContainText(`${expected}-${n * 1000}`, { timeout: 90_000 });
    };

    await lab.launch();
    await lab.expectBadges(NODES, 'running');
    await consoles.show();
    for (const vm of NODES) await consoles.expectText(vm, `QNET-READY hostname=${vm}`, 120_000);
    await ping('10.0.6.3', 'up');

    // Stop n3 from its menu: only its badge changes; its menu now offers Start.
    await editor.openNodeMenu('n3');
    await expect(editor.nodeMenuItem('vm-start')).toBeDisabled();
    await editor.nodeMenuItem('vm-stop').click();
    await expect(lab.badge('n3')).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
    await expect(lab.badge('n1')).toHaveAttribute('data-state', 'running');
    await expect(lab.badge('n2')).toHaveAttribute('data-state', 'running');
    await expect(lab.state()).toHaveAttribute('data-state', 'running');
    await ping('10.0.6.2', 'up');
    await ping('10.0.6.3', 'down');

    // Start it again: it boots, and n1 reaches it.
    await editor.openNodeMenu('n3');
    await expect(editor.nodeMenuItem('vm-stop')).toBeDisabled();
    await editor.nodeMenuItem('vm-start').click();
    await expect(lab.badge('n3')).toHaveAttribute('data-state', 'running', { timeout: 120_000 });
    await expect(consoles.tab('n3')).toHaveAttribute('data-state', 'running');
    await ping('10.0.6.3', 'up');
    await ping('10.0.6.2', 'up');

    await lab.stop();
    await lab.expectBadges(NODES, 'stopped', 90_000);
    await expect.poll(() => netnsExists(netnsName(LAB)), { timeout: 30_000 }).toBe(false);
  });
});
