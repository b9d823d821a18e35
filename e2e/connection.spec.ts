import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { netnsName } from '../shared/compiler/index';
import { netnsExists } from '../electron/testkit/netns';
import { expect, labTest, noLabs } from './fixtures';
import { cleanUpLab } from './labCleanup';
import { ROOT } from './serve';

/*
 * A page whose server goes away: it says it is disconnected, keeps retrying, answers every action that needs the
 * server with why it cannot run (Launch never sits at "preflight"), and reads the labs again once the server is back
 * on the same port and token. Example 05 under a name and port of its own, in a network namespace.
 */
const LAB = 'socket-pair-conn';
const YAML = readFileSync(join(ROOT, 'assets/examples/05-socket-pair.qnet.yaml'), 'utf8')
  .replace(/^name: socket-pair$/m, `name: ${LAB}`)
  .replace('port: 40500', 'port: 40574');
const NODES = ['server', 'client'] as const;

const test = labTest({ file: `${LAB}.qnet.yaml`, yaml: YAML, node: 'server' });

test.describe('a lost server', () => {
  test.skip(noLabs !== null, noLabs ?? '');
  test.setTimeout(240_000);
  test.afterEach(({ server }) => cleanUpLab(server.stateDir, LAB));

  test('is shown, refuses actions with a reason, keeps retrying, and the page recovers when it is back', async ({
    editor,
    lab,
    server,
    page,
  }) => {
    void editor;
    await lab.launch();
    await lab.expectBadges(NODES, 'running');

    // The server goes (SIGTERM: it stops its lab on the way out).
    await server.kill();
    await expect(lab.connectionBanner()).toBeVisible();
    await expect(lab.connectionBanner()).toHaveAttribute('data-refused', 'false');
    await expect(lab.state()).toHaveAttribute('data-offline', 'true');

    // Every action that needs the server says why it cannot run.
    await page.getByTestId('toolbar__stop').click();
    await expect(lab.notice()).toContainText('Cannot stop the lab: not connected to the server');
    await page.getByTestId('toolbar__validate').click();
    await expect(lab.notice()).toContainText('Cannot validate on the server: not connected');

    // It keeps trying.
    await expect
      .poll(async () => Number(await lab.connectionBanner().getAttribute('data-attempts')), { timeout: 30_000 })
      .toBeGreaterThan(1);

    // Back on the same port and token: connected again, and the lab it had is gone from the server.
    await server.restart();
    await expect(lab.connectionBanner()).toHaveCount(0, { timeout: 30_000 });
    await expect(lab.state()).toHaveAttribute('data-offline', 'false');
    await expect(lab.state()).toHaveAttribute('data-state', 'stopped');
    await lab.expectBadges(NODES, 'stopped', 20_000);

    // And it works again.
    await lab.launch();
    await lab.expectBadges(NODES, 'running');
    await lab.stop();
    await lab.expectBadges(NODES, 'stopped', 90_000);
    await expect.poll(() => netnsExists(netnsName(LAB)), { timeout: 30_000 }).toBe(false);
  });
});

// No lab started: Launch while the server is gone, and a server restarted with another token.
test('Launch without a server says why and starts nothing; a new token is told apart from a server that is down', async ({
  editor,
  lab,
  server,
}) => {
  void editor;
  await server.kill();
  await expect(lab.connectionBanner()).toBeVisible();
  await lab.launch();
  await expect(lab.notice()).toContainText('Cannot launch: not connected to the server');
  await expect(lab.state()).toHaveAttribute('data-state', 'idle');
  await expect(lab.state()).toHaveAttribute('data-busy', '');

  await server.restart(randomBytes(32).toString('base64url'));
  await expect(lab.connectionBanner()).toHaveAttribute('data-refused', 'true', { timeout: 30_000 });
  await expect(lab.connectionBanner()).toContainText('open the URL qnet serve printed');
});
