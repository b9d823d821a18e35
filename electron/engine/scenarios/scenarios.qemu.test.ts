/**
 * The nine scenarios of DESIGN.md, run for real by the engine: tiny guests under TCG, every lab in a network
 * namespace of its own (except where a scenario needs the host network, said there), every assertion read from
 * the guests' serial consoles through the engine's API. After each test nothing of the lab is left.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, cpSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { EngineEvent } from '../../../shared/api';
import { installBridgeAcl } from '../../testkit/bridgeAcl';
import { addNetns, deleteNetns, netnsExists } from '../../testkit/netns';
import { killPids, processesMentioning } from '../../testkit/procs';
import { guestCacheDir } from '../host-paths';
import {
  buildGuests,
  cleanupAll,
  interfacesIn,
  launchLab,
  leftovers,
  onCleanup,
  preflightOf,
  runChild,
  startChild,
  startEngine,
  topologyText,
  trackDir,
  trackNetns,
  type ScenarioLab,
} from '../../testkit/scenarios/harness';

const PING = /1 packets received|, 0% packet loss/;

beforeAll(async () => {
  await buildGuests(['x86_64', 'aarch64']);
}, 900_000);

afterEach(async () => {
  const found = await cleanupAll();
  expect(found, 'left behind after the test (cleaned up now)').toEqual([]);
});

/** Stops the lab and checks nothing of it is left. */
async function stopAndCheck(lab: ScenarioLab): Promise<void> {
  await lab.stop();
  expect(leftovers(lab.stateDir, lab.netns), `${lab.lab}: left after stop`).toEqual([]);
  expect(existsSync(join(lab.stateDir, 'engine.journal')), 'journal removed').toBe(false);
}

const addrOf = (lab: ScenarioLab, vm: string, i = 0) => (lab.ready.get(vm)?.interfaces[i] ?? '').split('/')[0] ?? '';

/** `ip netns exec NS CMD…` with a timeout; stdout, stderr and status. */
function inNetns(ns: string, argv: string[], timeoutMs = 20_000) {
  return spawnSync('ip', ['netns', 'exec', ns, ...argv], {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
}

describe('scenarios (real tiny guests through the engine)', () => {
  test('1. NAT: the host fetches the page the guest serves from boot (boot.run) through hostfwd; the restricted NAT keeps its guest off the host, its forward works', async () => {
    const engine = startEngine();
    const { text } = topologyText('01-nat-hostfwd.qnet.yaml');
    const lab = await launchLab(engine, text);
    const ns = lab.netns!;
    expect(ns).toBeTruthy();
    expect(lab.ready.get('web')?.interfaces[0]).toBe('10.0.2.15/24');
    expect(lab.ready.get('sandbox')?.interfaces[0]).toBe('10.0.3.15/24');

    // A host service inside the lab's namespace (what "the host" is for a netns lab), on the loopback SLiRP maps
    // the gateway to.
    const svcPort = 18099;
    const svc = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        process.execPath,
        '-e',
        `require('http').createServer((q,r)=>r.end('host-service-ok\\n')).listen(${svcPort},'127.0.0.1',()=>console.log('listening'))`,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    onCleanup(() => killPids([svc.pid!]));
    await new Promise<void>((resolve, reject) => {
      svc.stdout!.once('data', () => resolve());
      svc.once('exit', (c) => reject(new Error(`host service exited ${c}`)));
    });

    // Nothing typed into the guests: each serves its page from the httpd its boot.run started.
    const fetch = (port: number) => inNetns(ns, ['wget', '-qO-', '-T', '10', `http://127.0.0.1:${port}/`]);
    const web = fetch(8080);
    expect(web.stdout + web.stderr, 'host fetches web through 127.0.0.1:8080').toContain(
      'Hello from web, Qnet Studio example 01',
    );

    // Unrestricted NAT reaches the host service through its gateway; the restricted one does not.
    // (busybox wget segfaults in the static tiny guest; nc speaks the HTTP request itself.)
    const get = (gw: string) => `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${gw} ${svcPort}; echo rc=$?`;
    await lab.run('web', get('10.0.2.2'), /host-service-ok/, 30_000);
    const denied = await lab.run('sandbox', get('10.0.3.2'), /rc=\d+/, 30_000);
    expect(denied).not.toContain('host-service-ok');
    expect(denied).not.toMatch(/rc=0\b/);
    // …while the restricted NAT's own forward still carries traffic in.
    const jail = fetch(2222);
    expect(jail.stdout + jail.stderr, 'host fetches sandbox through 127.0.0.1:2222').toContain(
      'Hello from sandbox, behind the restricted NAT',
    );

    killPids([svc.pid!]);
    await stopAndCheck(lab);
  });

  test('2. tap + bridge: two guests with fixed MACs ping each other (and the bridge address)', async () => {
    const engine = startEngine();
    const lab = await launchLab(engine, topologyText('02-tap-bridge.qnet.yaml').text);
    expect(lab.ready.get('alpha')?.interfaces[0]).toBe('10.0.20.1/24');
    // A second subscription to alpha's console: still one event per chunk, each starting where the last ended.
    const again = await engine.api.request({ type: 'consoleSubscribe', lab: lab.lab, vm: 'alpha', fromSeq: 0 });
    if (!again.ok) throw new Error(again.error.message);
    await lab.run('alpha', 'ping -c 1 -W 5 10.0.20.2', PING);
    const chunks = engine.events.filter(
      (e): e is Extract<EngineEvent, { type: 'console' }> =>
        e.type === 'console' && e.lab === lab.lab && e.vm === 'alpha',
    );
    expect(chunks.at(-1)!.end).toBeGreaterThan(again.end);
    expect(chunks.slice(1).filter((c, i) => c.seq !== chunks[i]!.end)).toEqual([]);
    await engine.api.request({ type: 'consoleUnsubscribe', subscription: again.subscription });
    await lab.run('beta', 'ping -c 1 -W 5 10.0.20.1', PING);
    await lab.run('beta', 'ping -c 1 -W 5 10.0.20.254', PING);
    await lab.run('alpha', 'cat /sys/class/net/eth0/address', /52:54:00:02:00:01/);
    const ifs = interfacesIn(lab.netns!);
    expect(ifs).toContain('br0');
    expect(ifs.length, `bridge and two taps in ${lab.netns}: ${ifs.join(' ')}`).toBe(3);
    await stopAndCheck(lab);
  });

  test('4. VDE switch + slirpvde: three guests take DHCP leases and ping each other', async () => {
    const engine = startEngine();
    const lab = await launchLab(engine, topologyText('04-vde-slirpvde.qnet.yaml').text);
    const addrs = ['vm1', 'vm2', 'vm3'].map((vm) => lab.ready.get(vm)?.interfaces[0] ?? '-');
    for (const a of addrs) expect(a, `DHCP lease: ${addrs.join(' ')}`).toMatch(/^10\.0\.2\.\d+\/24$/);
    expect(new Set(addrs).size, 'three different leases').toBe(3);
    const [a1, a2, a3] = ['vm1', 'vm2', 'vm3'].map((vm) => addrOf(lab, vm));
    await lab.run('vm1', `ping -c 1 -W 5 ${a2}`, PING);
    await lab.run('vm2', `ping -c 1 -W 5 ${a3}`, PING);
    await lab.run('vm3', `ping -c 1 -W 5 ${a1}`, PING);
    await lab.run('vm1', 'ping -c 1 -W 5 10.0.2.2', PING); // slirpvde's gateway
    await stopAndCheck(lab);
  });

  /** Ping across a point-to-point lab, and prove from the events that the listener ran before the connector. */
  async function pointToPoint(file: string, listener: string, connector: string, addrs: [string, string]) {
    const engine = startEngine();
    const lab = await launchLab(engine, topologyText(file).text);
    const vmEvents = engine.events.filter(
      (e): e is Extract<EngineEvent, { type: 'vmState' }> => e.type === 'vmState' && e.lab === lab.lab,
    );
    const listenerRunning = vmEvents.findIndex((e) => e.vm === listener && e.state.state === 'running');
    const connectorStarting = vmEvents.findIndex((e) => e.vm === connector && e.state.state === 'starting');
    expect(listenerRunning, 'listener running').toBeGreaterThanOrEqual(0);
    expect(
      connectorStarting,
      `the connector started after the listener was ready: ${JSON.stringify(vmEvents)}`,
    ).toBeGreaterThan(listenerRunning);
    await lab.run(connector, `ping -c 1 -W 5 ${addrs[0]}`, PING);
    await lab.run(listener, `ping -c 1 -W 5 ${addrs[1]}`, PING);
    return { engine, lab };
  }

  test('5a. point-to-point stream (unix): ping; the client is started only once the server listens', async () => {
    const { lab } = await pointToPoint('stream-pair.qnet.yaml', 'left', 'right', ['10.0.15.1', '10.0.15.2']);
    await stopAndCheck(lab);
  });

  test('5b. point-to-point legacy socket listen/connect (example 05): ping; the connector starts after the listener', async () => {
    const { lab } = await pointToPoint('05-socket-pair.qnet.yaml', 'server', 'client', ['10.0.5.1', '10.0.5.2']);
    const ss = inNetns(lab.netns!, ['ss', '-ntH', 'state', 'established', '( sport = :40500 )']);
    expect(ss.stdout.trim(), 'the listener has its peer connected').not.toBe('');
    await stopAndCheck(lab);
  });

  test('6. multicast bus: three guests ping each other', async () => {
    const engine = startEngine();
    const lab = await launchLab(engine, topologyText('06-mcast-bus.qnet.yaml').text);
    await lab.run('n1', 'ping -c 1 -W 5 10.0.6.2', PING);
    await lab.run('n2', 'ping -c 1 -W 5 10.0.6.3', PING);
    await lab.run('n3', 'ping -c 1 -W 5 10.0.6.1', PING);
    await stopAndCheck(lab);
  });

  test('7. hub inside one guest with a NAT uplink: DHCP and traffic cross the hub', async () => {
    const engine = startEngine();
    const lab = await launchLab(engine, topologyText('07-hub-nat-uplink.qnet.yaml').text);
    // eth0 got its lease from SLiRP, which sits behind the hub: the DHCP exchange crossed it.
    expect(lab.ready.get('router')?.interfaces).toEqual(['10.0.2.15/24', '10.0.2.20/24']);
    await lab.run('router', 'ping -c 1 -W 5 -I eth0 10.0.2.2', PING);
    // eth1 (static, same subnet) sees SLiRP's gateway through the hub too: its ARP entry resolves on eth1.
    await lab.run(
      'router',
      'ping -c 2 -W 3 -I eth1 10.0.2.2 >/dev/null; ip neigh show dev eth1',
      /10\.0\.2\.2 lladdr 52:55:0a:00:02:02/,
    );
    await stopAndCheck(lab);
  });

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
    await lab.run('left', 'ping -c 1 -W 5 10.0.11.2', PING);
    await lab.run('right', 'ping -c 1 -W 5 10.0.11.1', PING);
    await stopAndCheck(lab);
    expect(processesMentioning(lab.stateDir), 'testpmd stopped with the lab').toEqual([]);
  });

  test("12. the guide's mixed bus: a QEMU guest and a User-mode Linux instance on one multicast segment ping each other; UML stops with the lab", async () => {
    const engine = startEngine();
    const lab = await launchLab(engine, topologyText('12-uml-mcast.qnet.yaml').text);
    const uml = processesMentioning(lab.stateDir).find((p) => p.argv[0] === 'linux.uml');
    expect(uml?.argv.join(' ')).toMatch(/ eth0=mcast,52:54:00:[0-9a-f:]+,230\.0\.0\.12,1234,1 /);
    // Its console is kept like a VM's: QNET-READY was read from it, and typed commands answer on it.
    expect(lab.ready.get('uml1')?.interfaces[0]).toBe('10.0.12.2/24');
    await lab.run('qemu1', 'ping -c 1 -W 5 10.0.12.2', PING);
    await lab.run('uml1', 'ping -c 1 -W 5 10.0.12.1', PING);
    expect(existsSync(join(lab.stateDir, 'uml1.uml', 'mconsole')), 'its mconsole is in the lab directory').toBe(true);
    await stopAndCheck(lab);
    expect(existsSync(join(lab.stateDir, 'uml1.uml')), 'UML removed its directory on stop').toBe(false);
  });

  test('9. aarch64 virt with virtio-net-device: two guests ping each other', async () => {
    const engine = startEngine();
    const lab = await launchLab(engine, topologyText('09-aarch64-virt.qnet.yaml').text);
    const argv =
      processesMentioning(lab.stateDir)
        .find((p) => p.argv.join(' ').includes('a64a.console'))
        ?.argv.join(' ') ?? '';
    expect(argv).toContain('qemu-system-aarch64');
    expect(argv).toContain('virtio-net-device');
    await lab.run('a64a', 'ping -c 1 -W 5 10.0.9.2', PING);
    await lab.run('a64b', 'ping -c 1 -W 5 10.0.9.1', PING);
    await stopAndCheck(lab);
  });
});

// ------------------------------------------------------------------------------------------ 3. bridge helper

describe('3. bridge through qemu-bridge-helper as an unprivileged user', () => {
  const HELPER = '/usr/lib/qemu/qemu-bridge-helper';
  const BR = 'qnbr3';

  /** A throwaway user, a "host" namespace holding the bridge, the helper setuid: all undone by cleanupAll. */
  function setUp(): { user: string; uid: number; hostNs: string; cache: string } {
    const user = `qnsc${process.pid % 100000}`;
    spawnSync('userdel', ['-r', user], { stdio: 'ignore' });
    const add = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user], {
      encoding: 'utf8',
    });
    expect(add.status, add.stderr).toBe(0);
    onCleanup(() => spawnSync('userdel', [user], { stdio: 'ignore' }));
    const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());

    // qemu-bridge-helper is not setuid on Debian 12: make it so for the test, as `sudo chmod u+s` would.
    const mode = statSync(HELPER).mode & 0o7777;
    onCleanup(() => chmodSync(HELPER, mode));
    chmodSync(HELPER, mode | 0o4000);
    // The helper drops to the caller's uid keeping only CAP_NET_ADMIN, then opens /dev/net/tun: that needs the
    // device's usual mode (0666 on Debian); this machine's container has it 0600.
    const tunMode = statSync('/dev/net/tun').mode & 0o7777;
    onCleanup(() => chmodSync('/dev/net/tun', tunMode));
    chmodSync('/dev/net/tun', 0o666);

    // The tiny guest, readable by the user (root's cache is not).
    const cache = mkdtempSync(join(tmpdir(), 'qnsc-cache-'));
    trackDir(cache);
    cpSync(join(guestCacheDir(), 'x86_64'), join(cache, 'qnet', 'guest', 'x86_64'), { recursive: true });
    spawnSync('chmod', ['-R', 'a+rX', cache]);
    chmodSync(cache, 0o755);

    const hostNs = `qnsc-host-${process.pid % 100000}`;
    deleteNetns(hostNs);
    addNetns(hostNs);
    trackNetns(hostNs, true);
    for (const argv of [
      ['link', 'add', BR, 'type', 'bridge'],
      ['link', 'set', BR, 'up'],
    ]) {
      const r = spawnSync('ip', ['-n', hostNs, ...argv], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    return { user, uid, hostNs, cache };
  }

  test('with the ACL line: the unprivileged user launches the lab, both guests ping; without it preflight names the line', async () => {
    const { user, uid, hostNs, cache } = setUp();
    const { text, name } = topologyText('03-bridge-helper.qnet.yaml');
    const stateBase = mkdtempSync(join(tmpdir(), 'qnsc-helper-'));
    trackDir(stateBase);
    chownSync(stateBase, uid, -1); // the user's own state directory: a shared one is refused

    // Without the ACL line: preflight (as that user, in its "host") fails with a sentence naming the line.
    const restoreNone = installBridgeAcl(['allow qnsc-other']);
    onCleanup(restoreNone);
    const pre = await runChild({
      args: ['preflight', '--privilege', 'helper', '--isolation', 'host', '--state-dir', stateBase],
      yaml: text,
      netns: hostNs,
      user,
      env: { XDG_CACHE_HOME: cache, HOME: '/tmp' },
    });
    const problems = (pre.messages.find((m) => m.kind === 'preflight')?.problems ?? []) as {
      code: string;
      severity: string;
      message: string;
    }[];
    const acl = problems.find((p) => p.code === 'PREFLIGHT_BRIDGE_ACL');
    expect(acl?.severity, `preflight problems: ${JSON.stringify(problems)}\n${pre.stderr}`).toBe('error');
    expect(acl?.message).toContain(`allow ${BR}`);
    expect(acl?.message).toContain('/etc/qemu/bridge.conf');
    expect(problems.filter((p) => p.severity === 'error').map((p) => p.code)).toEqual(['PREFLIGHT_BRIDGE_ACL']);
    restoreNone();

    // With it: the lab runs as the user, the helper makes one tap per guest on the bridge, the guests ping.
    onCleanup(installBridgeAcl([`allow ${BR}`]));
    const run = startChild({
      args: [
        'up',
        '--privilege',
        'helper',
        '--isolation',
        'host',
        '--state-dir',
        stateBase,
        '--ping',
        'alpha:10.0.30.2',
        '--ping',
        'beta:10.0.30.1',
      ],
      yaml: text,
      netns: hostNs,
      user,
      env: { XDG_CACHE_HOME: cache, HOME: '/tmp' },
    });
    const up = await run.waitFor((m) => m.kind === 'pinged' || m.kind === 'error', 240_000);
    expect(up.kind, JSON.stringify(up)).toBe('pinged');
    // QEMU runs as the user, not root.
    const qemus = processesMentioning(join(stateBase, name)).filter((p) => p.argv[0]?.includes('qemu-system'));
    expect(qemus.length).toBe(2);
    for (const q of qemus)
      expect(readFileSync(`/proc/${q.pid}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\s+${uid}\\b`, 'm'));
    const taps = interfacesIn(hostNs).filter((i) => i !== BR);
    expect(taps.length, `one tap per guest on ${BR}: ${taps.join(' ')}`).toBe(2);
    run.send('stop');
    const stopped = await run.waitFor((m) => m.kind === 'stopped' || m.kind === 'error', 60_000);
    expect(stopped.kind, JSON.stringify(stopped)).toBe('stopped');
    await run.exited;
    expect(leftovers(join(stateBase, name), null)).toEqual([]);
    expect(interfacesIn(hostNs), 'taps gone with their guests').toEqual([BR]);
    expect(netnsExists(hostNs)).toBe(true);
  });
});
