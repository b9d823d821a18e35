/**
 * The scenarios on QEMU 10.0 (the fetched backport; npm test's setup fetches it), run by an engine given that QEMU as
 * the user's choice (`--qemu`): every guest process is 10.0's binary. The examples that pass traffic on the installed
 * 7.2 (`scenarios.qemu.test.ts`, the same bodies from `testkit/scenarios/examples.ts`) pass it on 10.0 too, and so
 * do the places where 10.0 realizes things differently: a stream client that reconnects (no start order), the
 * multicast bus on dgram, vhost-user through testpmd with MSI-X left on, the aarch64 virt board on 10.0's
 * qemu-system-aarch64, and the guide's UML beside a 10.0 guest. Nothing of a lab is left after it.
 */
import { describe, expect, test } from 'vitest';
import { chosenQemu, fetchedQemu10 } from '../../qemu/chosen';
import { qemuCacheDir } from '../host-paths';
import * as scenario from '../../testkit/scenarios/examples';
import { launchLab, startEngine, topologyText } from '../../testkit/scenarios/harness';

const install = fetchedQemu10(qemuCacheDir());

/** The fetched 10.0 as `--qemu` chooses it: each guest must be its binary of the guest's arch. */
const QEMU10 = scenario.qemu(
  () => startEngine(undefined, { qemu: chosenQemu(install) }),
  true,
  (binary) => expect(Object.values(install.binaries)).toContain(binary),
);

/** The lab's guests' command lines, each checked to be 10.0's binary of `arch`. */
const argvOn10 = (lab: Parameters<scenario.ScenarioQemu['expectGuests']>[0], arch: 'x86_64' | 'aarch64' = 'x86_64') =>
  scenario.guestArgvs(lab, (binary) => expect(binary).toBe(install.binaries[arch]));

scenario.fileHooks();

describe('scenarios on QEMU 10.0 (engine --qemu)', () => {
  test('1. NAT: hostfwd reaches the page the guest serves; the restricted NAT keeps its guest off the host', () =>
    scenario.natHostfwd(QEMU10));

  test('2. tap + bridge: two guests with fixed MACs ping each other and the bridge', () => scenario.tapBridge(QEMU10));

  test('3. bridge helper as an unprivileged user: the user runs 10.0, both guests ping; without the ACL line preflight names it', () =>
    scenario.bridgeHelper(install.chosen));

  test('4. VDE switch + slirpvde: three guests take DHCP leases and ping each other', () =>
    scenario.vdeSlirpvde(QEMU10));

  test('5a. stream (unix): the client reconnects (reconnect-ms), so it is not held back; they ping', () =>
    scenario.streamPair(QEMU10));

  test('5b. legacy socket listen/connect (example 05): the connector still starts after the listener; they ping', () =>
    scenario.socketPair(QEMU10));

  test('5c. dgram unicast, UDP and unix datagram sockets: two guests ping over each', () => scenario.dgramPair(QEMU10));

  test('6. multicast bus on dgram: three guests ping each other', async () => {
    const lab = await launchLab(QEMU10.engine(), topologyText('06-mcast-bus.qnet.yaml').text);
    for (const argv of argvOn10(lab)) expect(argv).toContain('-netdev dgram,');
    await lab.run('n1', 'ping -c 1 -W 5 10.0.6.2', scenario.PING);
    await lab.run('n3', 'ping -c 1 -W 5 10.0.6.1', scenario.PING);
    await scenario.stopAndCheck(lab);
  });

  test('7. hub inside one guest with a NAT uplink: DHCP and traffic cross the hub', () =>
    scenario.hubNatUplink(QEMU10));

  test('11. vhost-user through testpmd: MSI-X stays on under 10.0 (7.2 needs vectors=0), the guests ping', async () => {
    const lab = await launchLab(QEMU10.engine(), topologyText('11-vhost-user-testpmd.qnet.yaml').text);
    for (const argv of argvOn10(lab)) expect(argv).not.toContain('vectors=0');
    await lab.run('left', 'ping -c 1 -W 5 10.0.11.2', scenario.PING);
    await scenario.stopAndCheck(lab);
  });

  test("9. aarch64 virt on 10.0's qemu-system-aarch64: two guests ping each other", async () => {
    const lab = await launchLab(QEMU10.engine(), topologyText('09-aarch64-virt.qnet.yaml').text);
    for (const argv of argvOn10(lab, 'aarch64')) expect(argv).toContain('virtio-net-device');
    await lab.run('a64a', 'ping -c 1 -W 5 10.0.9.2', scenario.PING);
    await scenario.stopAndCheck(lab);
  });

  test("12. the guide's UML beside a 10.0 guest on one multicast segment: they ping each other", async () => {
    const lab = await launchLab(QEMU10.engine(), topologyText('12-uml-mcast.qnet.yaml').text);
    argvOn10(lab);
    await lab.run('uml1', 'ping -c 1 -W 5 10.0.12.1', scenario.PING);
    await lab.run('qemu1', 'ping -c 1 -W 5 10.0.12.2', scenario.PING);
    await scenario.stopAndCheck(lab);
  });

  test("12b. UML's vde and tuntap transports beside a 10.0 guest: they ping over a VDE switch and over taps on a bridge", () =>
    scenario.umlTransports(QEMU10));
});
