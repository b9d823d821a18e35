import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../testkit/engine';
import { leftoverSpecialFiles } from '../testkit/exportedLab';
import { pidAlive, processesMentioning } from '../testkit/procs';
import { ROOT as root } from '../testkit/qnetCli';
import { exportsForUser, type ExportsForUser, type UserExport } from '../testkit/userLab';

/*
 * An exported lab travels: root exports example 01 with `qnet export`, and another Unix user (qnet-test1, a HOME of
 * its own, no XDG_RUNTIME_DIR, a PATH without socat) runs the scripts in a network namespace of its own. up.sh
 * picks that user's state directory and tiny guest, says how to build a missing guest and that socat is missing,
 * boots the guests as that user, and down.sh leaves nothing.
 */

const EXAMPLE = join(root, 'assets/examples/01-nat-hostfwd.qnet.yaml');
const LAB = 'nat-hostfwd';
const NETNS = `qn-travel-${process.pid % 100000}`;

let other: ExportsForUser;
let lab: UserExport;

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

beforeAll(async () => {
  // Root's own state directory and cache: the export names them, the other user can use neither.
  other = await exportsForUser('qnet-travel-', NETNS, (work) => pathWithoutSocat(join(work, 'bin')));
  lab = other.exportExample(EXAMPLE, LAB, 'export', { inNetns: true });
}, 600_000);

afterAll(() => other?.remove());

describe('an exported up.sh run by another user on another HOME', () => {
  it('without the tiny guest in its places, says where it looked and the command that builds it; starts nothing', () => {
    const r = lab.run('up.sh');
    expect(r.status, r.all).not.toBe(0);
    expect(r.err).toContain('the tiny guest for x86_64 (vmlinuz and initramfs.cpio.gz) is in none of:');
    expect(r.err).toContain(join(other.home, '.cache/qnet/guest/x86_64'));
    expect(r.err).toContain('npx qnet guest build --arch x86_64');
    expect(r.err).toContain('QNET_GUEST_DIR');
    expect(processesMentioning(other.home)).toEqual([]);
    expect(existsSync(lab.stateDir), 'nothing made before the check').toBe(false);
  });

  it('boots the lab as that user from its own state directory and guest, says socat is missing, and down.sh leaves nothing', async () => {
    other.giveGuest();
    const up = lab.run('up.sh');
    expect(up.status, up.all).toBe(0);
    expect(up.out).toContain(`lab ${LAB} is up`);
    expect(up.out).toContain(
      'socat, which the attach commands above use, is not installed: sudo apt-get install socat',
    );
    expect(up.out).toContain(`attach: socat - UNIX-CONNECT:${lab.stateDir}/web.console.sock`);

    const pids = ['web', 'sandbox'].map((vm) => Number(readFileSync(join(lab.stateDir, `${vm}.pid`), 'utf8')));
    for (const pid of pids) {
      expect(pidAlive(pid)).toBe(true);
      expect(statSync(`/proc/${pid}`).uid, `pid ${pid} runs as ${other.user.name}`).toBe(other.user.uid);
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain(
        `${lab.stateDir}/guest-x86_64/vmlinuz`,
      );
    }
    // The guest really boots from that user's copy: its init reports ready on the console.
    await until(
      () => /QNET-READY hostname=web/.test(readIf(join(lab.stateDir, 'web.console.log'))),
      'web ready on its console',
      150_000,
    );

    const down = lab.run('down.sh');
    expect(down.status, down.all).toBe(0);
    expect(pids.filter(pidAlive)).toEqual([]);
    expect(processesMentioning(other.home)).toEqual([]);
    expect(leftoverSpecialFiles(other.home)).toEqual([]);
    expect(existsSync(join(lab.stateDir, 'guest-x86_64')), 'the link to the guest is removed').toBe(false);
    expect(other.escalations(), 'sudo and pkexec never called').toBe('');
  }, 240_000);
});

function readIf(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}
