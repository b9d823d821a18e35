import { randomBytes } from 'node:crypto';
import { netnsName } from '../shared/compiler/index';
import { netnsExists } from '../electron/testkit/netns';
import { expect, labTest, noLabs } from './fixtures';
import { cleanUpLab } from './labCleanup';

/*
 * A VM's ports say what the running guest reports: a tiny guest asking SLiRP's DHCP for an address shows "dhcp" on
 * the canvas until its network is up, then the address it was given, and the hint again once the lab is stopped.
 */
const LAB = `addresses-${randomBytes(3).toString('hex')}`;
const YAML = `version: 2
name: ${LAB}
nodes:
  - { id: web, kind: vm, name: web, memory: 128, boot: { type: tiny }, nics: [{ id: eth0, model: virtio, ip: dhcp }, { id: eth1, model: virtio, ip: 10.0.44.7/24 }] }
  - { id: wan, kind: nat, name: wan, net: 10.0.2.0/24 }
  - { id: lan, kind: hub, name: lan }
links:
  - { a: 'web:eth0', b: wan }
  - { a: 'web:eth1', b: lan }
layout:
  nodes:
    web: { x: 100, y: 100 }
    wan: { x: 450, y: 60 }
    lan: { x: 450, y: 180 }
`;

const test = labTest({ file: `${LAB}.qnet.yaml`, yaml: YAML, node: 'web' });

test.describe("a running guest's addresses", () => {
  test.skip(noLabs !== null, noLabs ?? '');
  test.setTimeout(240_000);
  test.afterEach(({ server }) => cleanUpLab(server.stateDir, LAB));

  test('a port shows the address its guest reports while the lab runs, its hint before and after', async ({
    editor,
    lab,
  }) => {
    const detail = (port: string) =>
      editor.page.getByTestId(`node__web__port__${port}`).locator('.topo-node__port-detail');
    await expect(detail('eth0')).toHaveText('dhcp');
    await expect(detail('eth1')).toHaveText('10.0.44.7/24');
    await expect(detail('eth0')).not.toHaveAttribute('data-reported');

    await lab.launch();
    await lab.expectBadges(['web'], 'running');
    // SLiRP's DHCP hands out its first address, .15 of the NAT's network; the static one is the guest's own word too.
    await expect(detail('eth0')).toHaveText('10.0.2.15/24', { timeout: 150_000 });
    await expect(detail('eth0')).toHaveAttribute('data-reported', '');
    await expect(detail('eth0')).toHaveAttribute('title', /reported by the running guest \(hint: dhcp\)/);
    await expect(detail('eth1')).toHaveText('10.0.44.7/24');
    await expect(detail('eth1')).toHaveAttribute('data-reported', '');

    // A reload restores it from the engine's status, not from events it saw.
    await editor.page.reload();
    await expect(detail('eth0')).toHaveText('10.0.2.15/24', { timeout: 20_000 });

    await lab.stop();
    await lab.expectBadges(['web'], 'stopped', 90_000);
    await expect(detail('eth0')).toHaveText('dhcp');
    await expect(detail('eth0')).not.toHaveAttribute('data-reported');
    await expect.poll(() => netnsExists(netnsName(LAB)), { timeout: 30_000 }).toBe(false);
  });
});
