import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../testkit/engine';
import { leftoverSpecialFiles } from '../testkit/exportedLab';
import { pidAlive, processesMentioning } from '../testkit/procs';
import { ROOT as root } from '../testkit/qnetCli';
import { exportsForUser, hostNetwork, type ExportsForUser, type UserExport } from '../testkit/userLab';

/*
 * Issue 10: the exported scripts of a rootless lab. Root exports example 02 (two tiny guests on a bridge, each
 * through a tap); the unprivileged user qnet-test1, with a HOME of its own, runs up.sh: the lab's user + network
 * namespace is made and held by a holder, every step and guest runs in it through nsenter, no sudo or pkexec is
 * ever called (PATH shims record any call), and the host's links, namespaces and routes stay as they were. The
 * guests ping each other; down.sh ends every process and the holder, so no process, namespace or file is left
 * outside the state directory (where only logs stay).
 */

const EXAMPLE = join(root, 'assets/examples/02-tap-bridge.qnet.yaml');
const LAB = 'tap-bridge';
const NAT_EXAMPLE = join(root, 'assets/examples/01-nat-hostfwd.qnet.yaml');
const NAT_LAB = 'nat-hostfwd';
/** A namespace with only loopback, as on a machine with no network: pasta has no interface to copy there. */
const OFFLINE = `qn-xoff-${process.pid % 100000}`;

let other: ExportsForUser;
let bridge: UserExport;
let nat: UserExport;

/** Files of the user outside the test's directory, where a script could leave some: the shared temporary places. */
function userFilesElsewhere(): string[] {
  const places = ['/tmp', '/var/tmp', '/dev/shm', '/run'].filter(existsSync);
  const r = spawnSync(
    'find',
    [...places, '-xdev', '-path', other.work, '-prune', '-o', '-user', String(other.user.uid), '-print'],
    {
      encoding: 'utf8',
    },
  );
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** Every file under the home but the lab's state directory and the directory it is made in (~/.qnet). */
function homeFiles(): string[] {
  const r = spawnSync('find', [other.home, '-path', bridge.stateDir, '-prune', '-o', '-print'], { encoding: 'utf8' });
  const base = join(other.home, '.qnet');
  return r.stdout
    .split('\n')
    .filter((f) => f !== '' && f !== base)
    .sort();
}

/** Pids of the processes whose network namespace is `net` (`net:[INODE]`). */
function processesIn(net: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/net`) === net) out.push(Number(entry));
    } catch {
      // gone, or a kernel thread
    }
  }
  return out;
}

/** Types `line` on a guest's serial console socket and resolves with the output once it matches `done`. */
function onConsole(socket: string, line: string, done: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = createConnection(socket, () => s.write(`\n${line}\n`));
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no ${done} within ${timeoutMs} ms on ${socket}:\n${text.slice(-1500)}`));
    }, timeoutMs);
    s.on('data', (d: Buffer) => {
      text += d.toString();
      if (!done.test(text)) return;
      clearTimeout(timer);
      s.destroy();
      resolve(text);
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

beforeAll(async () => {
  other = await exportsForUser('qnet-xrootless-', OFFLINE);
  other.giveGuest();
  bridge = other.exportExample(EXAMPLE, LAB, 'export');
  nat = other.exportExample(NAT_EXAMPLE, NAT_LAB, 'export-nat', { inNetns: true });
}, 600_000);

afterAll(() => other?.remove());

describe("a rootless lab's exported scripts, run by an unprivileged user", () => {
  it('up.sh runs the bridge + tap lab in a namespace of its own, the guests ping each other, down.sh leaves nothing', async () => {
    const network = hostNetwork();
    const elsewhere = userFilesElsewhere();
    const before = homeFiles();

    const up = bridge.run('up.sh');
    expect(up.status, up.all).toBe(0);
    expect(up.out).toContain(`lab ${LAB} is up`);
    expect(hostNetwork(), "the host's links, namespaces and routes").toBe(network);

    const [pid, net] = readFileSync(join(bridge.stateDir, 'userns.holder'), 'utf8').trim().split(' ');
    const holder = Number(pid);
    expect(readlinkSync(`/proc/${holder}/ns/net`)).toBe(net);
    expect(net).not.toBe(readlinkSync('/proc/self/ns/net'));
    const guests = ['alpha', 'beta'].map((vm) => Number(readFileSync(join(bridge.stateDir, `${vm}.pid`), 'utf8')));
    for (const g of guests) {
      expect(statSync(`/proc/${g}`).uid, `guest pid ${g} runs as ${other.user.name}`).toBe(other.user.uid);
      expect(readlinkSync(`/proc/${g}/ns/net`), `guest pid ${g} is in the lab's namespace`).toBe(net);
    }
    expect(statSync(`/proc/${holder}`).uid).toBe(other.user.uid);

    const console = (vm: string) => join(bridge.stateDir, `${vm}.console.sock`);
    const log = (vm: string) => join(bridge.stateDir, `${vm}.console.log`);
    for (const vm of ['alpha', 'beta'])
      await until(() => readFileSync(log(vm), 'utf8').includes('QNET-READY'), `${vm}'s ready line`, 150_000);
    expect(await onConsole(console('alpha'), 'ping -c 2 -W 5 10.0.20.2', /\d+ packets received/)).toMatch(
      /2 packets received/,
    );
    expect(await onConsole(console('beta'), 'ping -c 2 -W 5 10.0.20.1', /\d+ packets received/)).toMatch(
      /2 packets received/,
    );

    const down = bridge.run('down.sh');
    expect(down.status, down.all).toBe(0);
    expect(pidAlive(holder), 'the holder ended').toBe(false);
    expect(guests.filter(pidAlive)).toEqual([]);
    expect(processesIn(net!), "no process left in the lab's namespace").toEqual([]);
    expect(processesMentioning(other.home)).toEqual([]);
    expect(leftoverSpecialFiles(other.home)).toEqual([]);
    const left = readdirSync(bridge.stateDir).filter((f) => !f.endsWith('.log'));
    expect(left, 'only logs stay in the state directory').toEqual([]);
    expect(homeFiles(), 'nothing made in the home outside the state directory').toEqual(before);
    expect(userFilesElsewhere(), 'nothing of the user left in /tmp, /var/tmp, /dev/shm or /run').toEqual(elsewhere);
    expect(hostNetwork()).toBe(network);
    expect(other.escalations(), 'sudo and pkexec never called').toBe('');
  }, 300_000);

  it("offline (a namespace with only loopback), a NAT node's hostfwd reaches the guest's httpd through pasta from 127.0.0.1", async () => {
    const up = nat.run('up.sh');
    expect(up.status, up.all).toBe(0);
    const [pid, net] = readFileSync(join(nat.stateDir, 'userns.holder'), 'utf8').trim().split(' ');
    const fetch = () =>
      spawnSync('ip', ['netns', 'exec', OFFLINE, 'wget', '-qO-', '-T', '5', 'http://127.0.0.1:8080/'], {
        encoding: 'utf8',
        timeout: 20_000,
      }).stdout;
    // The guest serves its page from boot (boot.run); under TCG that takes a while.
    await until(() => fetch().includes('Hello from web'), "web's page through the forward", 150_000);
    // Only loopback is bound on the host side (the namespace's own addresses are the lab's).
    const listening = spawnSync('ip', ['netns', 'exec', OFFLINE, 'ss', '-Hltn', '( sport = :8080 )'], {
      encoding: 'utf8',
    }).stdout;
    expect(listening.trim().split(/\s+/)[3]).toBe('127.0.0.1:8080');
    const down = nat.run('down.sh');
    expect(down.status, down.all).toBe(0);
    expect(pidAlive(Number(pid)), 'the holder ended').toBe(false);
    expect(processesIn(net!)).toEqual([]);
    expect(processesMentioning(other.home)).toEqual([]);
    expect(leftoverSpecialFiles(other.home)).toEqual([]);
    expect(readdirSync(nat.stateDir).filter((f) => !f.endsWith('.log'))).toEqual([]);
    expect(other.escalations()).toBe('');
  }, 300_000);
});
