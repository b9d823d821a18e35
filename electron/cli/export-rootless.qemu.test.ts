import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTinyGuest } from '../guest/build';
import { guestCacheDir } from '../engine/host-paths';
import { until } from '../testkit/engine';
import { leftoverSpecialFiles } from '../testkit/exportedLab';
import { addNetns, deleteNetns } from '../testkit/netns';
import { killPids, pidAlive, processesMentioning } from '../testkit/procs';
import { asUser, testUser, type TestUser } from '../testkit/users';

/*
 * Issue 10: the exported scripts of a rootless lab. Root exports example 02 (two tiny guests on a bridge, each
 * through a tap); the unprivileged user qnet-test1, with a HOME of its own, runs up.sh: the lab's user + network
 * namespace is made and held by a holder, every step and guest runs in it through nsenter, no sudo or pkexec is
 * ever called (PATH shims record any call), and the host's links, namespaces and routes stay as they were. The
 * guests ping each other; down.sh ends every process and the holder, so no process, namespace or file is left
 * outside the state directory (where only logs stay).
 */

const root = join(import.meta.dirname, '../..');
const EXAMPLE = join(root, 'assets/examples/02-tap-bridge.qnet.yaml');
const LAB = 'tap-bridge';
const NAT_EXAMPLE = join(root, 'assets/examples/01-nat-hostfwd.qnet.yaml');
const NAT_LAB = 'nat-hostfwd';
/** A namespace with only loopback, as on a machine with no network: pasta has no interface to copy there. */
const OFFLINE = `qn-xoff-${process.pid % 100000}`;

let user: TestUser;
let work = '';
let home = '';
let exportDir = '';
let natExportDir = '';
let escalated = '';
let env: Record<string, string> = {};

/**
 * Runs an exported script as the other user, with only the environment a login has (and the sudo shims), in the
 * offline namespace when `offline`.
 */
function runAsOther(script: string, dir = exportDir, offline = false) {
  const as = asUser(user, ['bash', join(dir, script)], env);
  const argv = offline ? ['ip', 'netns', 'exec', OFFLINE, ...as] : as;
  const r = spawnSync(argv[0]!, argv.slice(1), {
    encoding: 'utf8',
    cwd: '/',
    timeout: 120_000,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, out: r.stdout, all: `${r.stdout}${r.stderr}` };
}

const stateDir = (lab = LAB) => join(home, '.qnet', lab);

/** What the host's network looks like: links, named namespaces, routes. */
function hostNetwork(): string {
  const run = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }).stdout;
  return [
    ['ip', '-br', 'link'],
    ['ip', 'netns', 'list'],
    ['ip', 'route'],
    ['ip', '-6', 'route'],
  ]
    .map(run)
    .join('--\n');
}

/** Files of the user outside the test's directory, where a script could leave some: the shared temporary places. */
function userFilesElsewhere(): string[] {
  const places = ['/tmp', '/var/tmp', '/dev/shm', '/run'].filter(existsSync);
  const r = spawnSync(
    'find',
    [...places, '-xdev', '-path', work, '-prune', '-o', '-user', String(user.uid), '-print'],
    {
      encoding: 'utf8',
    },
  );
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** Every file under the home but the lab's state directory and the directory it is made in (~/.qnet). */
function homeFiles(): string[] {
  const r = spawnSync('find', [home, '-path', stateDir(), '-prune', '-o', '-print'], { encoding: 'utf8' });
  const base = join(home, '.qnet');
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
  user = testUser('qnet-test1');
  work = mkdtempSync('/tmp/qnet-xrootless-');
  chmodSync(work, 0o755);
  home = join(work, 'home');
  mkdirSync(join(home, '.cache/qnet/guest/x86_64'), { recursive: true });
  await buildTinyGuest({ arch: 'x86_64', log: () => {} });
  // What `qnet guest build` run by that user leaves: the tiny guest in its own cache.
  for (const f of ['vmlinuz', 'initramfs.cpio.gz'])
    copyFileSync(join(guestCacheDir(), 'x86_64', f), join(home, '.cache/qnet/guest/x86_64', f));
  mkdirSync(join(home, 'shim'));
  escalated = join(home, 'escalated');
  for (const tool of ['sudo', 'pkexec'])
    writeFileSync(join(home, 'shim', tool), `#!/bin/sh\necho "$0 $*" >> ${escalated}\nexit 1\n`, { mode: 0o755 });
  expect(spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, home]).status).toBe(0);
  chmodSync(home, 0o700);
  env = { HOME: home, PATH: `${join(home, 'shim')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` };
  const built = spawnSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: root, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`CLI build failed: ${built.stderr}`);
  exportDir = exported(EXAMPLE, join(work, 'export'));
  natExportDir = exported(NAT_EXAMPLE, join(work, 'export-nat'));
  deleteNetns(OFFLINE);
  addNetns(OFFLINE);
}, 600_000);

/** `qnet export FILE` by root into dir, readable by the other user: no --isolation, a rootless lab is the default. */
function exported(file: string, dir: string): string {
  const r = spawnSync(process.execPath, [join(root, 'bin/qnet.js'), 'export', file, '-o', dir], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`qnet export failed: ${r.stderr}`);
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), statSync(join(dir, f)).mode | 0o044);
  return dir;
}

afterAll(() => {
  if (exportDir && existsSync(join(exportDir, 'down.sh'))) runAsOther('down.sh');
  if (natExportDir && existsSync(join(natExportDir, 'down.sh'))) runAsOther('down.sh', natExportDir, true);
  deleteNetns(OFFLINE);
  if (home) killPids(processesMentioning(home).map((p) => p.pid));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("a rootless lab's exported scripts, run by an unprivileged user", () => {
  it('up.sh runs the bridge + tap lab in a namespace of its own, the guests ping each other, down.sh leaves nothing', async () => {
    const network = hostNetwork();
    const elsewhere = userFilesElsewhere();
    const before = homeFiles();

    const up = runAsOther('up.sh');
    expect(up.status, up.all).toBe(0);
    expect(up.out).toContain(`lab ${LAB} is up`);
    expect(hostNetwork(), "the host's links, namespaces and routes").toBe(network);

    const [pid, net] = readFileSync(join(stateDir(), 'userns.holder'), 'utf8').trim().split(' ');
    const holder = Number(pid);
    expect(readlinkSync(`/proc/${holder}/ns/net`)).toBe(net);
    expect(net).not.toBe(readlinkSync('/proc/self/ns/net'));
    const guests = ['alpha', 'beta'].map((vm) => Number(readFileSync(join(stateDir(), `${vm}.pid`), 'utf8')));
    for (const g of guests) {
      expect(statSync(`/proc/${g}`).uid, `guest pid ${g} runs as ${user.name}`).toBe(user.uid);
      expect(readlinkSync(`/proc/${g}/ns/net`), `guest pid ${g} is in the lab's namespace`).toBe(net);
    }
    expect(statSync(`/proc/${holder}`).uid).toBe(user.uid);

    const console = (vm: string) => join(stateDir(), `${vm}.console.sock`);
    const log = (vm: string) => join(stateDir(), `${vm}.console.log`);
    for (const vm of ['alpha', 'beta'])
      await until(() => readFileSync(log(vm), 'utf8').includes('QNET-READY'), `${vm}'s ready line`, 150_000);
    expect(await onConsole(console('alpha'), 'ping -c 2 -W 5 10.0.20.2', /\d+ packets received/)).toMatch(
      /2 packets received/,
    );
    expect(await onConsole(console('beta'), 'ping -c 2 -W 5 10.0.20.1', /\d+ packets received/)).toMatch(
      /2 packets received/,
    );

    const down = runAsOther('down.sh');
    expect(down.status, down.all).toBe(0);
    expect(pidAlive(holder), 'the holder ended').toBe(false);
    expect(guests.filter(pidAlive)).toEqual([]);
    expect(processesIn(net!), "no process left in the lab's namespace").toEqual([]);
    expect(processesMentioning(home)).toEqual([]);
    expect(leftoverSpecialFiles(home)).toEqual([]);
    const left = readdirSync(stateDir()).filter((f) => !f.endsWith('.log'));
    expect(left, 'only logs stay in the state directory').toEqual([]);
    expect(homeFiles(), 'nothing made in the home outside the state directory').toEqual(before);
    expect(userFilesElsewhere(), 'nothing of the user left in /tmp, /var/tmp, /dev/shm or /run').toEqual(elsewhere);
    expect(hostNetwork()).toBe(network);
    expect(existsSync(escalated) ? readFileSync(escalated, 'utf8') : '', 'sudo and pkexec never called').toBe('');
  }, 300_000);

  it("offline (a namespace with only loopback), a NAT node's hostfwd reaches the guest's httpd through pasta from 127.0.0.1", async () => {
    const up = runAsOther('up.sh', natExportDir, true);
    expect(up.status, up.all).toBe(0);
    const [pid, net] = readFileSync(join(stateDir(NAT_LAB), 'userns.holder'), 'utf8')
      .trim()
      .split(' ');
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
    const down = runAsOther('down.sh', natExportDir, true);
    expect(down.status, down.all).toBe(0);
    expect(pidAlive(Number(pid)), 'the holder ended').toBe(false);
    expect(processesIn(net!)).toEqual([]);
    expect(processesMentioning(home)).toEqual([]);
    expect(leftoverSpecialFiles(home)).toEqual([]);
    expect(readdirSync(stateDir(NAT_LAB)).filter((f) => !f.endsWith('.log'))).toEqual([]);
    expect(existsSync(escalated) ? readFileSync(escalated, 'utf8') : '').toBe('');
  }, 300_000);
});
