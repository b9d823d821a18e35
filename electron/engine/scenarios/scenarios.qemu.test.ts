/**
 * The nine scenarios of DESIGN.md, run for real by the engine: tiny guests under TCG, every lab in a network
 * namespace of its own (except where a scenario needs the host network, said there), every assertion read from
 * the guests' serial consoles through the engine's API. After each test nothing of the lab is left.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { processesMentioning } from '../../testkit/procs';
import * as scenario from '../../testkit/scenarios/examples';
import { launchLab, leftovers, preflightOf, startEngine, topologyText } from '../../testkit/scenarios/harness';

/** The installed QEMU (Debian 12's 7.2): every guest runs `qemu-system-<arch>` from PATH. */
const INSTALLED = scenario.qemu(
  () => startEngine(),
  false,
  (binary) => expect(binary).toMatch(/^qemu-system-/),
);

scenario.fileHooks();

describe('scenarios (real tiny guests through the engine)', () => {
  test('1. NAT: the host fetches the page the guest serves from boot (boot.run) through hostfwd; the restricted NAT keeps its guest off the host, its forward works', () =>
    scenario.natHostfwd(INSTALLED));

  test('2. tap + bridge: two guests with fixed MACs ping each other (and the bridge address)', () =>
    scenario.tapBridge(INSTALLED));

  test('4. VDE switch + slirpvde: three guests take DHCP leases and ping each other', () =>
    scenario.vdeSlirpvde(INSTALLED));

  test('5a. point-to-point stream (unix): ping; the client is started only once the server listens', () =>
    scenario.streamPair(INSTALLED));

  test('5b. point-to-point legacy socket listen/connect (example 05): ping; the connector starts after the listener', () =>
    scenario.socketPair(INSTALLED));

  test('5c. dgram unicast, UDP and unix datagram sockets: two guests ping over each, neither waiting for the other', () =>
    scenario.dgramPair(INSTALLED));

  test('6. multicast bus: three guests ping each other', async () => {
    const engine = startEngine();
    const lab = await launchLab(engine, topologyText('06-mcast-bus.qnet.yaml').text);
    await lab.run('n1', 'ping -c 1 -W 5 10.0.6.2', scenario.PING);
    await lab.run('n2', 'ping -c 1 -W 5 10.0.6.3', scenario.PING);
    await lab.run('n3', 'ping -c 1 -W 5 10.0.6.1', scenario.PING);
    await scenario.stopAndCheck(lab);
  });

  test('7. hub inside one guest with a NAT uplink: DHCP and traffic cross the hub', () =>
    scenario.hubNatUplink(INSTALLED));

  test('8. vhost-user and vdpa: preflight names the missing backend socket and device; nothing launches', async () => {
    const engine = startEngine();
    const { text, name } = topologyText('08-vhost-user-vdpa.qnet.yaml');
    expect(existsSync('/tmp/qnet-vhost-user.sock'), 'the vhost-user socket must be absent for this test').toBe(false);
    expect(existsSync('/dev/vhost-vdpa-0'), 'the vdpa device must be absent for this test').toBe(false);
    const problems = await preflightOf(engine, text);
    const errors = problems.filter((p) => p.severity === 'error');
    const vhost = errors.find((p) => p.code === 'PREFLIGHT_VHOST_USER_BACKEND');
    const vdpa = errors.find((p) => p.code === 'PREFLIGHT_VDPA_DEVICE');
    expect(vhost?.message, JSON.stringify(errors)).toContain('/tmp/qnet-vhost-user.sock');
    expect(vhost?.nodes).toContain('dpdk');
    expect(vdpa?.message, JSON.stringify(errors)).toContain('/dev/vhost-vdpa-0');
    expect(vdpa?.nodes).toContain('accel');

    const launch = (trust?: string) =>
      engine.api.request({
        type: 'launch',
        source: { kind: 'yaml', text },
        options: { isolation: 'netns', stateDir: engine.stateBase, ...(trust ? { trust } : {}) },
      });
    // It reaches a host socket and a host device: asked first, then approved.
    const asked = await launch();
    expect(!asked.ok && asked.error.code).toBe('UNTRUSTED');
    const r = await launch(asked.ok ? undefined : asked.error.trust?.digest);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('PREFLIGHT_FAILED');
    expect(r.error.message).toContain('/tmp/qnet-vhost-user.sock');
    expect(r.error.message).toContain('/dev/vhost-vdpa-0');
    expect(
      engine.events.filter((e) => e.type === 'vmState' && e.state.state !== 'stopped'),
      'no guest started',
    ).toEqual([]);
    expect(
      engine.events.filter((e) => e.type === 'step'),
      'no host step ran',
    ).toEqual([]);
    expect(processesMentioning(engine.stateBase)).toEqual([]);
    expect(leftovers(join(engine.stateBase, name), `qn-${name}`)).toEqual([]);
  });

  test('11. vhost-user through a DPDK testpmd switch: testpmd runs first, the guests ping over shared memory, testpmd stops after them', async () => {
    const engine = startEngine();
    const lab = await launchLab(engine, topologyText('11-vhost-user-testpmd.qnet.yaml').text);
    const procs = processesMentioning(lab.stateDir);
    const testpmd = procs.find((p) => p.argv[0] === 'dpdk-testpmd');
    expect(testpmd?.argv, procs.map((p) => p.argv.join(' ')).join('\n')).toContain('--no-huge');
    for (const vm of procs.filter((p) => p.argv[0]?.includes('qemu-system')))
      expect(vm.argv.join(' ')).toMatch(
        /-netdev vhost-user,id=[^ ]+,chardev=chr-pmd .*memory-backend-memfd|memory-backend-memfd.*-netdev vhost-user/,
      );
    const order = engine.events.flatMap((e) =>
      e.type === 'log' && /starting (testpmd|vm) /.test(e.message) ? [e.message] : [],
    );
    expect(order[0], order.join('\n')).toMatch(/starting testpmd testpmd-pmd/);
    await lab.run('left', 'ping -c 1 -W 5 10.0.11.2', scenario.PING);
    await lab.run('right', 'ping -c 1 -W 5 10.0.11.1', scenario.PING);
    await scenario.stopAndCheck(lab);
    expect(processesMentioning(lab.stateDir), 'testpmd stopped with the lab').toEqual([]);
  });

  test("12. the guide's mixed bus: a QEMU guest and a User-mode Linux instance on one multicast segment ping each other; UML stops with the lab", async () => {
    const engine = startEngine();
    const lab = await launchLab(engine, topologyText('12-uml-mcast.qnet.yaml').text);
    const uml = processesMentioning(lab.stateDir).find((p) => p.argv[0] === 'linux.uml');
    expect(uml?.argv.join(' ')).toMatch(/ eth0=mcast,52:54:00:[0-9a-f:]+,230\.0\.0\.12,1234,1 /);
    // Its console is kept like a VM's: QNET-READY was read from it, and typed commands answer on it.
    expect(lab.ready.get('uml1')?.interfaces[0]).toBe('10.0.12.2/24');
    await lab.run('qemu1', 'ping -c 1 -W 5 10.0.12.2', scenario.PING);
    await lab.run('uml1', 'ping -c 1 -W 5 10.0.12.1', scenario.PING);
    expect(existsSync(join(lab.stateDir, 'uml1.uml', 'mconsole')), 'its mconsole is in the lab directory').toBe(true);
    await scenario.stopAndCheck(lab);
    expect(existsSync(join(lab.stateDir, 'uml1.uml')), 'UML removed its directory on stop').toBe(false);
  });

  test("12b. UML's other transports QEMU shares: a UML instance and a QEMU guest ping over a VDE switch and over taps on a bridge", () =>
    scenario.umlTransports(INSTALLED));

  test('9. aarch64 virt with virtio-net-device: two guests ping each other', async () => {
    const engine = startEngine();
    const lab = await launchLab(engine, topologyText('09-aarch64-virt.qnet.yaml').text);
    const argv =
      processesMentioning(lab.stateDir)
        .find((p) => p.argv.join(' ').includes('a64a.console'))
        ?.argv.join(' ') ?? '';
    expect(argv).toContain('qemu-system-aarch64');
    expect(argv).toContain('virtio-net-device');
    await lab.run('a64a', 'ping -c 1 -W 5 10.0.9.2', scenario.PING);
    await lab.run('a64b', 'ping -c 1 -W 5 10.0.9.1', scenario.PING);
    await scenario.stopAndCheck(lab);
  });
});

// ------------------------------------------------------------------------------------------ 3. bridge helper

describe('3. bridge through qemu-bridge-helper as an unprivileged user', () => {
  test('with the ACL line: the unprivileged user launches the lab, both guests ping; without it preflight names the line', () =>
    scenario.bridgeHelper());
});
