import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '../../shared/web-api';
import { startServer } from '../server/server';
import { until } from '../testkit/engine';
import { socketPairLab } from '../testkit/pairLab';
import { leftoverSpecialFiles } from '../testkit/exportedLab';
import { pidAlive, processesMentioning, writersOf } from '../testkit/procs';
import { ROOT } from '../testkit/qnetCli';
import { findRunningLab } from './lab-common';

/*
 * Captures on a running rootless lab, as a user drives them (`qnet capture LAB …`): a whole bridge segment (example
 * 02: alpha 10.0.20.1 and beta 10.0.20.2 on bridge br0, in the lab's own user + network namespace), with the pcap
 * downloaded from `qnet serve`'s route, and a NAT link (alpha's second NIC on a restricted SLiRP, link `nat`: the
 * guest talks only to SLiRP's own gateway). One lab is shared: booting guests under TCG is what costs.
 */

const LAB = `seg-cap-${process.pid}`;
const text = readFileSync(join(ROOT, 'assets/examples/02-tap-bridge.qnet.yaml'), 'utf8')
  .replace(/^name: tap-bridge$/m, `name: ${LAB}`)
  .replace(
    "      - { id: eth0, model: virtio, mac: '52:54:00:02:00:01', ip: 10.0.20.1/24, gateway: 10.0.20.254 }\n",
    "$&      - { id: eth1, model: virtio, mac: '52:54:00:02:00:11', ip: 10.0.2.15/24 }\n",
  )
  .replace(
    /^links:\n/m,
    `  - { id: wan, kind: nat, name: wan, net: 10.0.2.0/24, restrict: true }\n$&  - { id: nat, a: 'alpha:eth1', b: wan }\n`,
  );
const lab = socketPairLab(LAB, 0, 'qnet-segcap-', { text, isolation: 'userns' });
const { guestShell, status } = lab;
// afterAll's lab.down asserts nothing of the lab is left.

beforeAll(async () => {
  await lab.up();
}, 600_000);

afterAll(async () => {
  const end = await lab.down({ ifRunning: true });
  if (!end) return;
  expect(end.stopped.code, end.stopped.err).toBe(0);
  expect(end.left).toEqual({ procs: [], files: [], netns: false });
}, 120_000);

/** `tshark -r` fields of the frames `filter` keeps, one tab-separated line each. */
function fields(pcap: string, filter: string, ...names: string[]): string[] {
  const args = ['-r', pcap, '-Y', filter, '-T', 'fields', ...names.flatMap((n) => ['-e', n])];
  const r = spawnSync('tshark', args, { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

function qnetChild(...args: string[]) {
  const child = lab.spawnQnet(...args);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, err: () => err, exited };
}

/** The files a process holds open, by the links of its /proc fd directory. */
function openFiles(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
    } catch {
      return []; // closed meanwhile
    }
  });
}

describe('capture of a NAT link', () => {
  it('qnet capture LAB LINK on a SLiRP netdev has the ARP and ICMP with its gateway; stop leaves no filter', async () => {
    const alpha = guestShell('alpha');
    await alpha.ready();
    const labDir = join(lab.stateDir(), LAB);
    const specialBefore = leftoverSpecialFiles(labDir);
    const qemu = status().labs[0]!.vms.find((v) => v.vm === 'alpha')!.state.pid!;
    // The guest knows no MAC for the gateway yet, so its first ping asks SLiRP for it.
    await alpha.sh('ip neigh flush dev eth1');

    const cap = qnetChild('capture', LAB, 'nat');
    await until(() => /into (\S+\.pcap)/.test(cap.err()), `the capture to start (got: ${cap.err()})`, 30_000);
    const file = /into (\S+\.pcap)/.exec(cap.err())![1]!;
    expect(file).toBe(join(labDir, 'capture-nat-1.pcap'));
    expect(status().labs[0]!.links).toContainEqual({ link: 'nat', up: true, capture: file });
    // filter-dump is QEMU's own: the guest's QEMU writes the pcap, no process of ours does.
    expect(openFiles(qemu)).toContain(file);
    expect(writersOf(file)).toEqual([]);

    expect(await alpha.sh('ping -c 3 -W 5 10.0.2.2', 60_000)).toContain('3 packets received');
    await until(() => fields(file, 'icmp', 'frame.number').length >= 6, 'the pings in the pcap', 10_000);
    cap.child.kill('SIGINT');
    expect(await cap.exited).toBe(0);

    // alpha asks SLiRP's gateway for its MAC and is answered; the echo requests come from alpha's NIC, the replies
    // from the gateway's.
    expect(fields(file, 'arp.opcode == 1', 'arp.src.hw_mac', 'arp.dst.proto_ipv4')).toContain(
      '52:54:00:02:00:11\t10.0.2.2',
    );
    const arpReplies = fields(file, 'arp.opcode == 2', 'arp.src.proto_ipv4', 'arp.dst.hw_mac');
    expect(arpReplies).toContain('10.0.2.2\t52:54:00:02:00:11');
    const icmp = fields(file, 'icmp', 'icmp.type', 'ip.src', 'ip.dst', 'eth.src');
    expect(icmp.filter((l) => l === '8\t10.0.2.15\t10.0.2.2\t52:54:00:02:00:11')).toHaveLength(3);
    const replies = icmp.filter((l) => l.startsWith('0\t10.0.2.2\t10.0.2.15\t'));
    expect(replies).toHaveLength(3);
    expect(replies.every((l) => !l.endsWith('52:54:00:02:00:11'))).toBe(true);
    // Nothing but SLiRP's own addresses was talked to.
    expect(fields(file, 'ip && !(ip.addr == 10.0.2.0/24)', 'ip.dst')).toEqual([]);

    // Stopped: the engine lists no capture, QEMU let go of the pcap (object-del finalized the filter, which
    // closes it) and more traffic leaves it as it was; no process or fifo was left.
    expect(status().labs[0]!.links!.find((l) => l.link === 'nat')).toEqual({ link: 'nat', up: true });
    expect(openFiles(qemu)).not.toContain(file);
    const size = statSync(file).size;
    expect(await alpha.sh('ping -c 2 -W 5 10.0.2.2', 60_000)).toContain('2 packets received');
    expect(statSync(file).size).toBe(size);
    expect(processesMentioning(file)).toEqual([]);
    expect(processesMentioning('capture-nat')).toEqual([]);
    expect(leftoverSpecialFiles(labDir)).toEqual(specialBefore);
  });
});

describe('capture of a bridge segment', () => {
  it('qnet capture LAB BRIDGE has the ARP and ICMP of a ping across it; stop leaves no capture process', async () => {
    const alpha = guestShell('alpha');
    await alpha.ready();
    const cap = qnetChild('capture', LAB, 'br0');
    await until(() => /into (\S+\.pcap)/.test(cap.err()), `the capture to start (got: ${cap.err()})`, 30_000);
    const file = /into (\S+\.pcap)/.exec(cap.err())![1]!;
    expect(file).toBe(join(lab.stateDir(), LAB, 'capture-br0-1.pcap'));
    expect(status().labs[0]!.links).toContainEqual({ link: 'br0', up: true, capture: file });
    expect(writersOf(file)).toHaveLength(1);

    expect(await alpha.sh('ping -c 3 10.0.20.2', 60_000)).toContain('3 packets received');
    await until(() => fields(file, 'icmp', 'frame.number').length >= 6, 'the pings in the pcap', 10_000);
    cap.child.kill('SIGINT');
    expect(await cap.exited).toBe(0);
    expect(writersOf(file)).toEqual([]);
    expect(status().labs[0]!.links!.some((l) => l.link === 'br0')).toBe(false);

    // alpha asks for beta's MAC, beta answers; the echo requests come from alpha's NIC, the replies from beta's.
    expect(fields(file, 'arp.opcode == 1', 'arp.dst.proto_ipv4')).toContain('10.0.20.2');
    expect(fields(file, 'arp.opcode == 2', 'arp.src.hw_mac')).toContain('52:54:00:02:00:02');
    const icmp = fields(file, 'icmp', 'icmp.type', 'eth.src');
    expect(icmp.filter((l) => l === '8\t52:54:00:02:00:01')).toHaveLength(3);
    expect(icmp.filter((l) => l === '0\t52:54:00:02:00:02')).toHaveLength(3);

    // The same pcap from qnet serve's route, with the engine handed in as qnet serve hands in its own.
    const found = await findRunningLab(lab.stateDir(), LAB, { out: () => {}, err: () => {} });
    const server = await startServer({
      port: 0,
      host: '127.0.0.1',
      root: ROOT,
      routes: {},
      engine: found.engine.client,
    });
    try {
      const get = (query: string, token = server.token) =>
        fetch(`${new URL(server.url).origin}/api/capture.pcap?${query}`, { headers: { [TOKEN_HEADER]: token } });
      const r = await get(`lab=${LAB}&link=br0`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-disposition')).toBe(`attachment; filename="${LAB}-capture-br0-1.pcap"`);
      const body = Buffer.from(await r.arrayBuffer());
      expect(body.readUInt32LE(0)).toBe(0xa1b2c3d4);
      expect(body.equals(readFileSync(file))).toBe(true);
      expect((await get(`lab=${LAB}&link=br0`, 'wrong')).status).toBe(401);
      const none = await get(`lab=${LAB}&link=br9`);
      expect(none.status).toBe(404);
      expect(JSON.stringify(await none.json())).toContain(`lab ${LAB} has no link br9`);
      const link = status().labs[0]!.links![0]!.link;
      const never = await get(`lab=${LAB}&link=${link}`);
      expect(never.status).toBe(404);
      expect(JSON.stringify(await never.json())).toContain(`${link} of lab ${LAB} has not been captured`);
    } finally {
      await server.close();
      found.engine.client.close();
    }
  });

  it('a capture running when the lab stops ends with it, leaving no process', async () => {
    const cap = qnetChild('capture', LAB, 'br0', '--duration', '600');
    await until(() => /into (\S+\.pcap)/.test(cap.err()), `the capture to start (got: ${cap.err()})`, 30_000);
    const file = /into (\S+\.pcap)/.exec(cap.err())![1]!;
    expect(file).toBe(join(lab.stateDir(), LAB, 'capture-br0-2.pcap'));
    const [writer] = writersOf(file);
    expect(writer).toBeDefined();
    const down = lab.qnet('down', LAB);
    expect(down.code, down.err).toBe(0);
    expect(await cap.exited).toBe(0);
    expect(cap.err()).toContain(`capture stopped (lab ${LAB} is`);
    expect(pidAlive(writer!)).toBe(false);
  }, 120_000);
});
