import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../testkit/engine';
import { socketPairLab, type GuestShell } from '../testkit/pairLab';
import { processesMentioning } from '../testkit/procs';

/*
 * Link control and capture on a running lab, as a user drives them (the bundled `qnet`), on real tiny guests in a
 * network namespace: example 05 (server 10.0.5.1/24, client 10.0.5.2/24 on link `wire`, a TCP socket pair). One
 * lab is shared by the assertions: booting guests under TCG is what costs.
 */

const LAB = `link-ctl-${process.pid}`;
const lab = socketPairLab(LAB, 41500, 'qnet-link-');
const { qnet, guestShell, status } = lab;

let server: GuestShell;

beforeAll(async () => {
  // The first test pings the client: the connector boots after the listener, so it is waited for too.
  [server] = await lab.upReady('server', 'client');
}, 600_000);

// The last test stops the lab; this one only when a test failed before it.
afterAll(() => lab.downClean({ ifRunning: true }), 120_000);

describe('qnet link on a running lab', () => {
  it('down: the ping gets no reply and status says so; up: the ping is answered again', async () => {
    expect(await server.sh('ping -c 1 -W 5 10.0.5.2', 60_000)).toContain('1 packets received');
    expect(status().labs[0]!.links).toEqual([{ link: 'wire', up: true }]);

    const down = qnet('link', LAB, 'wire', 'down');
    expect(down.code, down.err).toBe(0);
    expect(down.out).toBe(`${LAB}: link wire is down\n`);
    expect(status().labs[0]!.links).toEqual([{ link: 'wire', up: false }]);
    expect(qnet('status').out).toContain('  link wire: down');
    expect(await server.sh('ping -c 2 -W 2 10.0.5.2')).toContain('0 packets received');

    const up = qnet('link', LAB, 'wire', 'up');
    expect(up.code, up.err).toBe(0);
    expect(status().labs[0]!.links).toEqual([{ link: 'wire', up: true }]);
    expect(qnet('status').out).toContain('  every link up');
    // The guest's carrier comes back first; a few tries cover the moment it takes.
    expect(await server.sh('ping -c 5 -W 2 10.0.5.2 | grep received', 60_000)).toMatch(/[1-5] packets received/);
  });

  it('a link, lab or state that does not exist is a clear error and changes nothing', () => {
    const noLink = qnet('link', LAB, 'cable', 'down');
    expect(noLink.code).toBe(1);
    expect(noLink.err).toBe(`qnet link: lab ${LAB} has no link cable with a guest NIC on it (links: wire)\n`);
    const noLab = qnet('link', 'nolab', 'wire', 'down');
    expect(noLab.code).toBe(1);
    expect(noLab.err).toContain('qnet: no running lab "nolab"');
    const badState = qnet('link', LAB, 'wire', 'sideways');
    expect(badState.code).toBe(2);
    expect(badState.err).toContain('after LINK: down, up, unshaped, or a shaping such as "rate 1mbit", not "sideways"');
    expect(status().labs[0]!.links).toEqual([{ link: 'wire', up: true }]);
  });
});

/** A `qnet` child with piped stdio, and what it printed so far. */
function qnetChild(...args: string[]) {
  const child = lab.spawnQnet(...args);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** The ICMP echo requests and replies in a pcap, as tshark reads them: `<type> <eth.src>` lines. */
function icmpOf(pcap: string): string[] {
  const r = spawnSync('tshark', ['-r', pcap, '-Y', 'icmp', '-T', 'fields', '-e', 'icmp.type', '-e', 'eth.src'], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace('\t', ' '));
}

describe('qnet capture on a running lab', () => {
  it('captures the pings of the point-to-point link into a pcap tshark reads; stop removes the filter', async () => {
    const client = guestShell('client');
    await client.ready();
    const mac = async (sh: GuestShell) =>
      /([0-9a-f]{2}(:[0-9a-f]{2}){5})/.exec(await sh.sh('cat /sys/class/net/eth0/address'))![1]!;
    const [serverMac, clientMac] = [await mac(server), await mac(client)];
    const out = join(lab.stateDir(), 'wire.pcap');
    const cap = qnetChild('capture', LAB, 'wire', '-w', out);
    await until(() => cap.err().includes('capturing link wire'), `the capture to start (got: ${cap.err()})`, 30_000);
    const labCopy = /into (\S+\.pcap)/.exec(cap.err())![1]!;
    expect(labCopy).toBe(join(lab.stateDir(), LAB, 'capture-wire-1.pcap'));
    expect(status().labs[0]!.links).toEqual([{ link: 'wire', up: true, capture: labCopy }]);

    expect(await server.sh('ping -c 3 10.0.5.2', 60_000)).toContain('3 packets received');
    cap.child.kill('SIGINT');
    expect(await cap.exited).toBe(0);
    expect(cap.err()).toMatch(/capture stopped \(interrupted\): \d+ bytes/);
    expect(status().labs[0]!.links).toEqual([{ link: 'wire', up: true }]);

    // Echo requests (type 8) from the server's NIC, replies (type 0) from the client's: the three pings, both ways.
    const icmp = icmpOf(out);
    expect(icmp.filter((l) => l === `8 ${serverMac}`)).toHaveLength(3);
    expect(icmp.filter((l) => l === `0 ${clientMac}`)).toHaveLength(3);
    expect(icmpOf(labCopy)).toEqual(icmp);

    // The filter is gone: more traffic leaves the lab's pcap as it was.
    const size = statSync(labCopy).size;
    expect(await server.sh('ping -c 2 10.0.5.2', 60_000)).toContain('2 packets received');
    expect(statSync(labCopy).size).toBe(size);
  });

  it('a link or lab that does not exist, or a capture not running, is a clear error', () => {
    const noLink = qnet('capture', LAB, 'cable');
    expect(noLink.code).toBe(1);
    expect(noLink.err).toContain(`qnet capture: lab ${LAB} has no link cable with a guest NIC on it`);
    const noLab = qnet('capture', 'nolab', 'wire');
    expect(noLab.code).toBe(1);
    expect(noLab.err).toContain('qnet: no running lab "nolab"');
    expect(qnet('capture', LAB, 'wire', '--duration', 'soon').err).toContain('--duration must be a number of seconds');
  });

  it('shows packets live through tshark, and stops with the lab, leaving no filter or capture process', async () => {
    const cap = qnetChild('capture', LAB, 'wire');
    await until(() => cap.err().includes('capturing link wire'), `the capture to start (got: ${cap.err()})`, 30_000);
    expect(cap.err()).toContain('capture-wire-2.pcap');
    expect(await server.sh('ping -c 2 10.0.5.2', 60_000)).toContain('2 packets received');
    await until(
      () => /ICMP.*Echo \(ping\) reply/.test(cap.out()),
      `tshark's lines (got: ${cap.out()}${cap.err()})`,
      30_000,
    );
    const down = qnet('down', LAB);
    expect(down.code, down.err).toBe(0);
    expect(await cap.exited).toBe(0);
    expect(cap.err()).toMatch(new RegExp(`capture stopped \\(lab ${LAB} is (stopping|stopped)\\)`));
    expect(processesMentioning(join(lab.stateDir(), LAB))).toEqual([]);
  });
});
