/**
 * The bodies of the DESIGN scenarios that run on each QEMU (`engine/scenarios/scenarios.qemu.test.ts` on the installed
 * 7.2, `qemu10.scenarios.qemu.test.ts` on the fetched 10.0): each launches its example through an engine that runs the
 * given QEMU, checks every guest is that QEMU's binary, passes traffic and leaves nothing behind. Rootless (isolation
 * userns, the harness's default) unless a body says why not.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect } from 'vitest';
import type { EngineEvent } from '../../../shared/api';
import { guestCacheDir } from '../../engine/host-paths';
import { JOURNAL_FILE } from '../../engine/journal';
import type { GuestArch } from '../../guest/arch';
import { installBridgeAcl } from '../bridgeAcl';
import { addNetns, deleteNetns, netnsExists } from '../netns';
import { killPids, processesMentioning } from '../procs';
import {
  buildGuests,
  cleanupAll,
  interfacesIn,
  interfacesOf,
  launchLab,
  leftovers,
  onCleanup,
  runChild,
  runInLab,
  startChild,
  topologyText,
  trackDir,
  trackNetns,
  type ScenarioEngine,
  type ScenarioLab,
} from './harness';

export const PING = /1 packets received|, 0% packet loss/;

/** The QEMU a scenario runs on: the installed one, or one the user chose (`--qemu`, the editor's setting). */
export interface ScenarioQemu {
  /** An engine that runs it. */
  engine(): ScenarioEngine;
  /** Its stream client reconnects (8.0+), so the compiler drops a stream link's start order. */
  readonly reconnects: boolean;
  /** Checks that every QEMU guest of the lab is this QEMU's binary. */
  expectGuests(lab: ScenarioLab): void;
}

/** The QEMU guests of a lab, as their processes show them. */
export function qemuProcesses(lab: ScenarioLab): { pid: number; argv: string[] }[] {
  return processesMentioning(lab.stateDir).filter((p) => (p.argv[0] ?? '').includes('qemu-system-'));
}

/** The command lines of the lab's QEMU guests, once there is one and `check` has accepted each one's binary. */
export function guestArgvs(lab: ScenarioLab, check: (binary: string | undefined) => void): string[] {
  const qemus = qemuProcesses(lab);
  expect(qemus.length).toBeGreaterThan(0);
  for (const q of qemus) check(q.argv[0]);
  return qemus.map((q) => q.argv.join(' '));
}

/** A QEMU for the scenarios: its engine, whether its stream client reconnects, and the check of a guest's binary. */
export function qemu(
  engine: () => ScenarioEngine,
  reconnects: boolean,
  check: (binary: string | undefined) => void,
): ScenarioQemu {
  return { engine, reconnects, expectGuests: (lab) => void guestArgvs(lab, check) };
}

/**
 * The opening of a scenario file: the tiny guests of `arches` built before its tests, and after each test nothing
 * of its labs left (what was is cleaned up, then named in the failure).
 */
export function fileHooks(arches: readonly GuestArch[] = ['x86_64', 'aarch64']): void {
  beforeAll(async () => {
    await buildGuests(arches);
  }, 900_000);
  afterEach(async () => {
    expect(await cleanupAll(), 'left behind after the test (cleaned up now)').toEqual([]);
  });
}

/** Stops the lab and checks nothing of it is left. */
export async function stopAndCheck(lab: ScenarioLab): Promise<void> {
  await lab.stop();
  expect(leftovers(lab.stateDir, lab.netns), `${lab.lab}: left after stop`).toEqual([]);
  expect(existsSync(join(lab.stateDir, JOURNAL_FILE)), 'journal removed').toBe(false);
}

export const addrOf = (lab: ScenarioLab, vm: string, i = 0) =>
  (lab.ready.get(vm)?.interfaces[i] ?? '').split('/')[0] ?? '';

/** `ip netns exec NS CMD…` with a timeout; stdout, stderr and status. */
export function inNetns(ns: string, argv: string[], timeoutMs = 20_000) {
  return spawnSync('ip', ['netns', 'exec', ns, ...argv], {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
}

/** The interfaces of this test's own namespace (the host's, for a rootless lab). */
function interfacesOnHost(): string[] {
  return spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '')
    .filter(Boolean);
}

/** 1. NAT: the host fetches the page the guest serves from boot (boot.run) through hostfwd; the restricted NAT keeps its guest off the host, its forward works. */
export async function natHostfwd(qemu: ScenarioQemu): Promise<void> {
  const engine = qemu.engine();
  const { text } = topologyText('01-nat-hostfwd.qnet.yaml');
  // In a named namespace (netns): rootless, its forwards would bind this machine's own 127.0.0.1:8080 and :2222
  // through pasta, which other labs here may hold (electron/cli/rootless.qemu.test.ts proves that path on free ports).
  const lab = await launchLab(engine, text, { isolation: 'netns' });
  qemu.expectGuests(lab);
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
}

/** 2. tap + bridge: two guests with fixed MACs ping each other (and the bridge address). */
export async function tapBridge(qemu: ScenarioQemu): Promise<void> {
  const engine = qemu.engine();
  const lab = await launchLab(engine, topologyText('02-tap-bridge.qnet.yaml').text);
  qemu.expectGuests(lab);
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
  // Rootless: made in the lab's own namespace, never on the host.
  expect(lab.netns).toBeNull();
  const ifs = interfacesOf(lab);
  expect(ifs).toContain('br0');
  expect(ifs.length, `bridge and two taps in the lab's namespace: ${ifs.join(' ')}`).toBe(3);
  expect(interfacesOnHost()).not.toContain('br0');
  await stopAndCheck(lab);
}

/** 4. VDE switch + slirpvde: three guests take DHCP leases and ping each other. */
export async function vdeSlirpvde(qemu: ScenarioQemu): Promise<void> {
  const engine = qemu.engine();
  const lab = await launchLab(engine, topologyText('04-vde-slirpvde.qnet.yaml').text);
  qemu.expectGuests(lab);
  const addrs = ['vm1', 'vm2', 'vm3'].map((vm) => lab.ready.get(vm)?.interfaces[0] ?? '-');
  for (const a of addrs) expect(a, `DHCP lease: ${addrs.join(' ')}`).toMatch(/^10\.0\.2\.\d+\/24$/);
  expect(new Set(addrs).size, 'three different leases').toBe(3);
  const [a1, a2, a3] = ['vm1', 'vm2', 'vm3'].map((vm) => addrOf(lab, vm));
  await lab.run('vm1', `ping -c 1 -W 5 ${a2}`, PING);
  await lab.run('vm2', `ping -c 1 -W 5 ${a3}`, PING);
  await lab.run('vm3', `ping -c 1 -W 5 ${a1}`, PING);
  await lab.run('vm1', 'ping -c 1 -W 5 10.0.2.2', PING); // slirpvde's gateway
  await stopAndCheck(lab);
}

/** 7. A hub inside one guest with a NAT uplink: DHCP and traffic cross the hub. */
export async function hubNatUplink(qemu: ScenarioQemu): Promise<void> {
  const engine = qemu.engine();
  // Rootless: its open NAT gives the lab's namespace a way out through pasta, which root (as this suite's engine is)
  // starts with `--runas 0` so that it may join the holder's namespace (shared/compiler/enter.ts).
  const lab = await launchLab(engine, topologyText('07-hub-nat-uplink.qnet.yaml').text);
  expect(lab.netns).toBeNull();
  qemu.expectGuests(lab);
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
}

/**
 * A point-to-point lab: both ends ping. Where the link has a start order (socket always; stream before 8.0) the
 * events prove the listener ran before the connector started; a reconnecting stream client (8.0+) has none, its
 * argv retries (`reconnect-ms` from 9.2) and it connects all the same.
 */
async function pointToPoint(
  qemu: ScenarioQemu,
  file: string,
  [listener, connector]: [string, string],
  addrs: [string, string],
  ordered: boolean,
): Promise<ScenarioLab> {
  const engine = qemu.engine();
  const lab = await launchLab(engine, topologyText(file).text);
  qemu.expectGuests(lab);
  const vmEvents = engine.events.filter(
    (e): e is Extract<EngineEvent, { type: 'vmState' }> => e.type === 'vmState' && e.lab === lab.lab,
  );
  const listenerRunning = vmEvents.findIndex((e) => e.vm === listener && e.state.state === 'running');
  const connectorStarting = vmEvents.findIndex((e) => e.vm === connector && e.state.state === 'starting');
  expect(listenerRunning, 'listener running').toBeGreaterThanOrEqual(0);
  if (ordered)
    expect(
      connectorStarting,
      `the connector started after the listener was ready: ${JSON.stringify(vmEvents)}`,
    ).toBeGreaterThan(listenerRunning);
  else
    expect(qemuProcesses(lab).flatMap((p) => p.argv)).toContainEqual(
      expect.stringMatching(/^stream,.*server=off.*,reconnect-ms=1000$/),
    );
  await lab.run(connector, `ping -c 1 -W 5 ${addrs[0]}`, PING);
  await lab.run(listener, `ping -c 1 -W 5 ${addrs[1]}`, PING);
  return lab;
}

/** 5a. A point-to-point stream link (unix): ping; the client waits for the server unless it reconnects. */
export async function streamPair(qemu: ScenarioQemu): Promise<void> {
  const lab = await pointToPoint(
    qemu,
    'stream-pair.qnet.yaml',
    ['left', 'right'],
    ['10.0.15.1', '10.0.15.2'],
    !qemu.reconnects,
  );
  await stopAndCheck(lab);
}

/** 5b. The legacy socket listen/connect pair (example 05): ping; the connector starts after the listener. */
export async function socketPair(qemu: ScenarioQemu): Promise<void> {
  const lab = await pointToPoint(
    qemu,
    '05-socket-pair.qnet.yaml',
    ['server', 'client'],
    ['10.0.5.1', '10.0.5.2'],
    true,
  );
  const ss = runInLab(lab, ['ss', '-ntH', 'state', 'established', '( sport = :40500 )']);
  expect(ss.stdout.trim(), 'the listener has its peer connected').not.toBe('');
  await stopAndCheck(lab);
}

/**
 * 5c. dgram unicast: two guests joined twice, by UDP on 127.0.0.1 and by unix datagram sockets; each link carries
 * pings both ways (no start order: each end binds its own address and sends to the other's).
 */
export async function dgramPair(qemu: ScenarioQemu): Promise<void> {
  const lab = await launchLab(qemu.engine(), topologyText('dgram-pair.qnet.yaml').text);
  qemu.expectGuests(lab);
  const argv = qemuProcesses(lab).flatMap((p) => p.argv);
  expect(argv).toContainEqual(expect.stringMatching(/^dgram,.*local\.type=inet,.*remote\.type=inet,/));
  expect(argv).toContainEqual(expect.stringMatching(/^dgram,.*local\.type=unix,.*remote\.type=unix,/));
  await lab.run('left', 'ping -c 1 -W 5 10.0.16.2', PING);
  await lab.run('right', 'ping -c 1 -W 5 10.0.16.1', PING);
  await lab.run('left', 'ping -c 1 -W 5 10.0.26.2', PING);
  await lab.run('right', 'ping -c 1 -W 5 10.0.26.1', PING);
  await stopAndCheck(lab);
}

/**
 * 12b. The transports UML shares with QEMU besides multicast: a UML instance and a QEMU guest ping each other over a
 * VDE switch (UML's vde, QEMU's -netdev vde) and over taps on a bridge (UML's tuntap, QEMU's tap), both ways.
 */
export async function umlTransports(qemu: ScenarioQemu): Promise<void> {
  const lab = await launchLab(qemu.engine(), topologyText('uml-transports.qnet.yaml').text);
  qemu.expectGuests(lab);
  const uml = processesMentioning(lab.stateDir).find((p) => p.argv[0] === 'linux.uml');
  expect(uml?.argv.join(' ')).toMatch(/ eth0=vde,\S+\/sw\.vde,52:54:00:[0-9a-f:]+ eth1=tuntap,qn\w+,52:54:00:/);
  expect(lab.ready.get('uml1')?.interfaces).toEqual(['10.0.13.2/24', '10.0.14.2/24']);
  await lab.run('uml1', 'ping -c 1 -W 5 10.0.13.1', PING);
  await lab.run('uml1', 'ping -c 1 -W 5 10.0.14.1', PING);
  await lab.run('qemu1', 'ping -c 1 -W 5 10.0.13.2', PING);
  await lab.run('qemu1', 'ping -c 1 -W 5 10.0.14.2', PING);
  await stopAndCheck(lab);
}

// ------------------------------------------------------------------------------------------ 3. bridge helper

const HELPER = '/usr/lib/qemu/qemu-bridge-helper';
const BR = 'qnbr3';

/** A throwaway user, a "host" namespace holding the bridge, the helper setuid: all undone by cleanupAll. */
function bridgeHelperSetUp(): { user: string; uid: number; hostNs: string; cache: string } {
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

/**
 * 3. A bridge through qemu-bridge-helper as an unprivileged user. With the ACL line: the user launches the lab, both
 * guests ping; without it preflight names the line. `qemuDir`: a chosen QEMU the user can read, which the lab runs.
 */
export async function bridgeHelper(qemuDir?: string): Promise<void> {
  const { user, uid, hostNs, cache } = bridgeHelperSetUp();
  const { text, name } = topologyText('03-bridge-helper.qnet.yaml');
  // A chosen QEMU where the user can run it (root's cache is closed to others): hard links, no copy of the bytes.
  let chosen: string[] = [];
  let binary = 'qemu-system-x86_64';
  if (qemuDir) {
    const readable = mkdtempSync(join(tmpdir(), 'qnsc-qemu-'));
    trackDir(readable);
    chmodSync(readable, 0o755);
    const cp = spawnSync('cp', ['-al', qemuDir, join(readable, 'qemu')], { encoding: 'utf8' });
    expect(cp.status, cp.stderr).toBe(0);
    chosen = ['--qemu', join(readable, 'qemu')];
    binary = join(readable, 'qemu', 'usr', 'bin', 'qemu-system-x86_64');
  }
  const stateBase = mkdtempSync(join(tmpdir(), 'qnsc-helper-'));
  trackDir(stateBase);
  chownSync(stateBase, uid, -1); // the user's own state directory: a shared one is refused

  // Without the ACL line: preflight (as that user, in its "host") fails with a sentence naming the line.
  const restoreNone = installBridgeAcl(['allow qnsc-other']);
  onCleanup(restoreNone);
  const pre = await runChild({
    args: ['preflight', '--privilege', 'helper', '--isolation', 'host', '--state-dir', stateBase, ...chosen],
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
      ...chosen,
    ],
    yaml: text,
    netns: hostNs,
    user,
    env: { XDG_CACHE_HOME: cache, HOME: '/tmp' },
  });
  const up = await run.waitFor((m) => m.kind === 'pinged' || m.kind === 'error', 240_000);
  expect(up.kind, JSON.stringify(up)).toBe('pinged');
  // QEMU (the chosen one, if any) runs as the user, not root.
  const qemus = processesMentioning(join(stateBase, name)).filter((p) => p.argv[0]?.includes('qemu-system'));
  expect(qemus.map((q) => q.argv[0])).toEqual([binary, binary]);
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
}
