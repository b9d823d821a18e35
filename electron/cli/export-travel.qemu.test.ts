import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTinyGuest } from '../guest/build';
import { guestCacheDir } from '../engine/host-paths';
import { leftoverSpecialFiles } from '../testkit/exportedLab';
import { addNetns, deleteNetns } from '../testkit/netns';
import { killPids, pidAlive, processesMentioning } from '../testkit/procs';
import { asUser, testUser, type TestUser } from '../testkit/users';
import { until } from '../testkit/engine';
import { buildCli } from '../testkit/qnetCli';

/*
 * An exported lab travels: root exports example 01 with `qnet export`, and another Unix user (qnet-test1, a HOME of
 * its own, no XDG_RUNTIME_DIR, a PATH without socat) runs the scripts in a network namespace of its own. up.sh
 * picks that user's state directory and tiny guest, says how to build a missing guest and that socat is missing,
 * boots the guests as that user, and down.sh leaves nothing.
 */

const root = join(import.meta.dirname, '../..');
const EXAMPLE = join(root, 'assets/examples/01-nat-hostfwd.qnet.yaml');
const LAB = 'nat-hostfwd';
const NETNS = `qn-travel-${process.pid % 100000}`;

let user: TestUser;
let work = '';
let home = '';
let bin = '';
let exportDir = '';

/** A directory of links to every program on the standard PATH but socat, so "socat is missing" is true here. */
function pathWithoutSocat(dir: string): string {
  mkdirSync(dir, { mode: 0o755 });
  for (const from of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!existsSync(from)) continue;
    for (const name of readdirSync(from)) {
      if (name === 'socat' || existsSync(join(dir, name))) continue;
      symlinkSync(join(from, name), join(dir, name));
    }
  }
  return dir;
}

/** Runs an exported script as the other user inside the test's namespace, with only the environment a login has. */
function runAsOther(script: string, args: string[] = []) {
  const argv = [
    'ip',
    'netns',
    'exec',
    NETNS,
    ...asUser(user, ['bash', join(exportDir, script), ...args], { HOME: home, PATH: bin }),
  ];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' });
  return { status: r.status, out: r.stdout, err: r.stderr, all: `${r.stdout}${r.stderr}` };
}

const stateDir = () => join(home, '.qnet', LAB);

beforeAll(async () => {
  user = testUser('qnet-test1');
  work = mkdtempSync('/tmp/qnet-travel-');
  chmodSync(work, 0o755);
  home = join(work, 'home');
  mkdirSync(home, { mode: 0o700 });
  chownSync(home, user.uid, user.gid);
  bin = pathWithoutSocat(join(work, 'bin'));
  exportDir = join(work, 'export');
  deleteNetns(NETNS);
  addNetns(NETNS);
  buildCli();
  await buildTinyGuest({ arch: 'x86_64', log: () => {} });
  // Root's own state directory and cache: the export names them, the other user can use neither.
  const r = spawnSync(process.execPath, [join(root, 'bin/qnet.js'), 'export', EXAMPLE, '-o', exportDir], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`qnet export failed: ${r.stderr}`);
  for (const f of readdirSync(exportDir)) chmodSync(join(exportDir, f), statSync(join(exportDir, f)).mode | 0o044);
}, 600_000);

afterAll(() => {
  if (exportDir && existsSync(join(exportDir, 'down.sh'))) runAsOther('down.sh');
  if (home) killPids(processesMentioning(home).map((p) => p.pid));
  deleteNetns(NETNS);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('an exported up.sh run by another user on another HOME', () => {
  it('without the tiny guest in its places, says where it looked and the command that builds it; starts nothing', () => {
    const r = runAsOther('up.sh');
    expect(r.status, r.all).not.toBe(0);
    expect(r.err).toContain('the tiny guest for x86_64 (vmlinuz and initramfs.cpio.gz) is in none of:');
    expect(r.err).toContain(join(home, '.cache/qnet/guest/x86_64'));
    expect(r.err).toContain('npx qnet guest build --arch x86_64');
    expect(r.err).toContain('QNET_GUEST_DIR');
    expect(processesMentioning(home)).toEqual([]);
    expect(existsSync(stateDir()), 'nothing made before the check').toBe(false);
  });

  it('boots the lab as that user from its own state directory and guest, says socat is missing, and down.sh leaves nothing', async () => {
    // What `qnet guest build` run by that user leaves: the guest in its own cache.
    const cache = join(home, '.cache/qnet/guest/x86_64');
    mkdirSync(cache, { recursive: true });
    for (const f of ['vmlinuz', 'initramfs.cpio.gz']) copyFileSync(join(guestCacheDir(), 'x86_64', f), join(cache, f));
    spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, join(home, '.cache')]);

    const up = runAsOther('up.sh');
    expect(up.status, up.all).toBe(0);
    expect(up.out).toContain(`lab ${LAB} is up`);
    expect(up.out).toContain(
      'socat, which the attach commands above use, is not installed: sudo apt-get install socat',
    );
    expect(up.out).toContain(`attach: socat - UNIX-CONNECT:${stateDir()}/web.console.sock`);

    const pids = ['web', 'sandbox'].map((vm) => Number(readFileSync(join(stateDir(), `${vm}.pid`), 'utf8')));
    for (const pid of pids) {
      expect(pidAlive(pid)).toBe(true);
      expect(statSync(`/proc/${pid}`).uid, `pid ${pid} runs as ${user.name}`).toBe(user.uid);
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain(`${stateDir()}/guest-x86_64/vmlinuz`);
    }
    // The guest really boots from that user's copy: its init reports ready on the console.
    await until(
      () => /QNET-READY hostname=web/.test(readIf(join(stateDir(), 'web.console.log'))),
      'web ready on its console',
      150_000,
    );

    const down = runAsOther('down.sh');
    expect(down.status, down.all).toBe(0);
    expect(pids.filter(pidAlive)).toEqual([]);
    expect(processesMentioning(home)).toEqual([]);
    expect(leftoverSpecialFiles(home)).toEqual([]);
    expect(existsSync(join(stateDir(), 'guest-x86_64')), 'the link to the guest is removed').toBe(false);
  }, 240_000);
});

function readIf(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}
