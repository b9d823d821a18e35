/**
 * Scenarios on QEMU 10.0 (the fetched backport; npm test's setup fetches it), run by an engine given that QEMU as
 * the user's choice (`--qemu`): every guest process is 10.0's binary, and traffic passes where 10.0 realizes things
 * differently from 7.2: the multicast bus on dgram, vhost-user through testpmd with MSI-X left on, the aarch64 virt
 * board on 10.0's qemu-system-aarch64, and the guide's UML beside a 10.0 guest. Nothing of a lab is left after it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { chosenQemu, fetchedQemu10 } from '../../qemu/chosen';
import { processesMentioning } from '../../testkit/procs';
import { qemuCacheDir } from '../host-paths';
import {
  buildGuests,
  cleanupAll,
  launchLab,
  leftovers,
  startEngine,
  topologyText,
  type ScenarioLab,
} from '../../testkit/scenarios/harness';

const PING = /1 packets received|, 0% packet loss/;
const install = fetchedQemu10(qemuCacheDir());
const qemu10 = () => startEngine(undefined, { qemu: chosenQemu(install) });

beforeAll(async () => {
  await buildGuests(['x86_64', 'aarch64']);
}, 900_000);

afterEach(async () => {
  expect(await cleanupAll(), 'left behind after the test (cleaned up now)').toEqual([]);
});

/** The QEMU processes of the lab: each must be the chosen 10.0 binary of its arch. */
function expectQemu10(lab: ScenarioLab, arch: 'x86_64' | 'aarch64' = 'x86_64'): string[] {
  const qemus = processesMentioning(lab.stateDir).filter((p) => (p.argv[0] ?? '').includes('qemu-system-'));
  expect(qemus.length).toBeGreaterThan(0);
  for (const q of qemus) expect(q.argv[0]).toBe(install.binaries[arch]);
  return qemus.map((q) => q.argv.join(' '));
}

async function stopAndCheck(lab: ScenarioLab): Promise<void> {
  await lab.stop();
  expect(leftovers(lab.stateDir, lab.netns), `${lab.lab}: left after stop`).toEqual([]);
  expect(existsSync(join(lab.stateDir, 'engine.journal')), 'journal removed').toBe(false);
}

describe('scenarios on QEMU 10.0 (engine --qemu)', () => {
  test('6. multicast bus on dgram: three guests ping each other', async () => {
    const lab = await launchLab(qemu10(), topologyText('06-mcast-bus.qnet.yaml').text);
    for (const argv of expectQemu10(lab)) expect(argv).toContain('-netdev dgram,');
    await lab.run('n1', 'ping -c 1 -W 5 10.0.6.2', PING);
    await lab.run('n3', 'ping -c 1 -W 5 10.0.6.1', PING);
    await stopAndCheck(lab);
  });

  test('11. vhost-user through testpmd: MSI-X stays on under 10.0 (7.2 needs vectors=0), the guests ping', async () => {
    const lab = await launchLab(qemu10(), topologyText('11-vhost-user-testpmd.qnet.yaml').text);
    for (const argv of expectQemu10(lab)) expect(argv).not.toContain('vectors=0');
    await lab.run('left', 'ping -c 1 -W 5 10.0.11.2', PING);
    await stopAndCheck(lab);
  });

  test("9. aarch64 virt on 10.0's qemu-system-aarch64: two guests ping each other", async () => {
    const lab = await launchLab(qemu10(), topologyText('09-aarch64-virt.qnet.yaml').text);
    for (const argv of expectQemu10(lab, 'aarch64')) expect(argv).toContain('virtio-net-device');
    await lab.run('a64a', 'ping -c 1 -W 5 10.0.9.2', PING);
    await stopAndCheck(lab);
  });

  test("12. the guide's UML beside a 10.0 guest on one multicast segment: they ping each other", async () => {
    const lab = await launchLab(qemu10(), topologyText('12-uml-mcast.qnet.yaml').text);
    expectQemu10(lab);
    await lab.run('uml1', 'ping -c 1 -W 5 10.0.12.1', PING);
    await lab.run('qemu1', 'ping -c 1 -W 5 10.0.12.2', PING);
    await stopAndCheck(lab);
  });
});
