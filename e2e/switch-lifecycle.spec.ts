import { randomBytes } from 'node:crypto';
import { expect, labTest, noLabs } from './fixtures';
import { cleanUpLab } from './labCleanup';
import { processesMentioning } from '../electron/testkit/procs';

/*
 * A VDE switch and a User-mode Linux instance stopped and started from their nodes' menus, on one running lab: a
 * tiny QEMU guest and a UML instance plugged into one VDE switch. Stopping the switch badges it stopped, its
 * vde_switch is gone from the host and the guests no longer reach each other; the page reloaded still badges it
 * stopped (the engine's status says so, not the page's memory of its request) and offers Start only; started again,
 * it is badged running with the pid of a vde_switch that is there. QEMU's vde netdev does not reconnect, so the guests are restarted
 * from their menus (the UML one by Stop then Start, each badged), and the ping crosses the switch again.
 */
const LAB = `swlife-${randomBytes(3).toString('hex')}`;
const FILE = `${LAB}.qnet.yaml`;
const YAML = `version: 2
name: ${LAB}
nodes:
  - { id: sw, kind: vde, name: switch, ports: 8 }
  - id: vm1
    kind: vm
    memory: 128
    boot: { type: tiny }
    nics: [{ id: eth0, model: virtio, ip: 10.0.31.1/24 }]
  - id: uml1
    kind: uml
    memory: 128
    nics: [{ id: eth0, ip: 10.0.31.2/24 }]
links:
  - { a: 'vm1:eth0', b: sw }
  - { a: 'uml1:eth0', b: sw }
layout:
  nodes:
    vm1: { x: 100, y: 100 }
    sw: { x: 480, y: 100 }
    uml1: { x: 860, y: 100 }
`;

const test = labTest({ file: FILE, yaml: YAML, node: 'sw' });

test.describe('switch and UML node lifecycle from the context menu', () => {
  test.skip(noLabs !== null, noLabs ?? '');
  test.setTimeout(360_000);
  test.afterEach(({ server }) => cleanUpLab(server.stateDir, LAB));

  test('stop the switch: badged stopped, its process gone, no ping; start it and the guests again: it pings', async ({
    editor,
    lab,
    consoles,
    server,
  }) => {
    const switches = () =>
      processesMentioning(server.stateDir)
        .filter((p) => (p.argv[0] ?? '').endsWith('vde_switch'))
        .map((p) => p.pid);
    let n = 0;
    /** Pings uml1 from vm1's shell a few times; the answer (`up-<n>`/`down-<n>`) differs from the typed line. */
    const ping = async (expected: 'up' | 'down', timeout = 90_000) => {
      n += 1;
      const tries = expected === 'up' ? 40 : 3;
      await consoles.typeLine(
        'vm1',
        `i=0; until ping -c 1 -W 1 10.0.31.2 >/dev/null; do i=$((i+1)); [ $i -ge ${tries} ] && break; done; ` +
          `[ $i -lt ${tries} ] && echo up-$((${n}*1000)) || echo down-$((${n}*1000))`,
      );
      await expect(consoles.screen('vm1')).toContainText(`${expected}-${n * 1000}`, { timeout });
    };
    const ready = async () => {
      await consoles.expectText('vm1', 'QNET-READY hostname=vm1', 120_000);
      await consoles.expectText('uml1', 'QNET-READY hostname=uml1', 120_000);
    };

    await lab.launch();
    await lab.expectBadges(['vm1', 'uml1'], 'running');
    await consoles.show();
    await ready();
    await ping('up');
    expect(switches()).toHaveLength(1);

    // The switch stopped from its menu.
    await editor.openNodeMenu('sw');
    await editor.nodeMenuItem('vm-stop').click();
    await expect(lab.badge('sw')).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
    await expect.poll(switches, { timeout: 30_000 }).toEqual([]);
    await expect(lab.state()).toHaveAttribute('data-state', 'running');
    await ping('down');

    // A reload learns the switch's state from the engine's status.
    await editor.page.reload();
    await expect(editor.page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    await expect(lab.badge('sw')).toHaveAttribute('data-state', 'stopped', { timeout: 20_000 });
    await consoles.show();

    // Started again: badged running with the pid of the vde_switch now on the host.
    await editor.openNodeMenu('sw');
    await expect(editor.nodeMenuItem('vm-stop')).toBeDisabled();
    await editor.nodeMenuItem('vm-start').click();
    await expect(lab.badge('sw')).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
    const [pid] = switches();
    expect(pid).toBeDefined();
    await expect(lab.badge('sw')).toHaveAttribute('title', `running (pid ${pid})`);

    // The guests plugged in again: vm1 restarted, uml1 stopped then started, each from its menu.
    await editor.openNodeMenu('uml1');
    await editor.nodeMenuItem('vm-stop').click();
    await expect(lab.badge('uml1')).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
    await editor.openNodeMenu('uml1');
    await expect(editor.nodeMenuItem('vm-stop')).toBeDisabled();
    await editor.nodeMenuItem('vm-start').click();
    await editor.openNodeMenu('vm1');
    await editor.nodeMenuItem('vm-restart').click();
    await lab.expectBadges(['vm1', 'uml1'], 'running');
    // A line typed while vm1 still boots may be lost: typed again until one answers.
    await expect(() => ping('up', 45_000)).toPass({ timeout: 240_000 });

    await lab.stop();
    await lab.expectBadges(['vm1', 'uml1'], 'stopped', 90_000);
    // The switch is stopped with the lab, as its guests are.
    await expect(lab.badge('sw')).toHaveAttribute('data-state', 'stopped', { timeout: 30_000 });
    expect(switches()).toEqual([]);
  });
});
