import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../testkit/userLab';
import { buildCli, qnet, ROOT } from '../testkit/qnetCli';
import { killPids, pidAlive } from '../testkit/procs';
import { processesOf, runAs, testUser, userHome, type TestUser, type UserHome } from '../testkit/users';

/*
 * Issue 10: the exported up.sh of a rootless lab starts its namespace holder, then records it in
 * $STATE/userns.holder. up.sh killed between the two must not leave a holder nobody knows of. The moment is hit
 * exactly, not by a race: a `readlink` first on up.sh's PATH signals up.sh as soon as up.sh asks for the network
 * namespace of a pid, which it does only for the holder it has just started and not yet recorded.
 */

const EXAMPLE = join(ROOT, 'assets/examples/02-tap-bridge.qnet.yaml');
const LAB = 'tap-bridge';

let user: TestUser;
let home: UserHome;
let exportDir = '';
let guestDir = '';

/** The shim: on `readlink /proc/PID/ns/net` it notes PID in $SEEN and sends $SIG to up.sh (its topmost bash). */
const READLINK_SHIM = `#!/bin/bash
if [[ $2 =~ ^/proc/([0-9]+)/ns/net$ ]] && [ ! -e "$SEEN" ]; then
  echo "\${BASH_REMATCH[1]}" >"$SEEN"
  p=$PPID up=
  while [ "$p" -gt 1 ]; do
    if tr '\\0' ' ' <"/proc/$p/cmdline" | grep -q '/up\\.sh'; then up=$p; fi
    p=$(cut -d' ' -f4 <"/proc/$p/stat")
  done
  [ -n "$up" ] && kill -"$SIG" "$up"
fi
exec /usr/bin/readlink "$@"
`;

/** The user's processes that are (or are about to become) a namespace holder. */
const holders = () =>
  processesOf(user.uid, (argv) => argv.join(' ') === 'sleep infinity' || argv.includes('qnet-holder'));

beforeAll(() => {
  user = testUser('qnet-test1');
  guestDir = mkdtempSync(join(tmpdir(), 'qnet-xholder-guest-'));
  // up.sh is stopped before any guest starts: its preflight only asks that the tiny guest's files are there.
  for (const f of ['vmlinuz', 'initramfs.cpio.gz']) writeFileSync(join(guestDir, f), '');
  home = userHome(user, guestDir, 'qnet-xholder-');
  writeFileSync(join(home.dir, 'shim/readlink'), READLINK_SHIM, { mode: 0o755 });
  buildCli();
  exportDir = join(home.dir, 'export');
  const r = qnet(['export', EXAMPLE, '-o', exportDir]);
  if (r.code !== 0) throw new Error(`qnet export failed: ${r.err}`);
  chmodSync(exportDir, 0o755);
  for (const f of readdirSync(exportDir)) chmodSync(join(exportDir, f), statSync(join(exportDir, f)).mode | 0o044);
  mkdirSync(join(home.dir, 'seen'), { mode: 0o777 });
  chmodSync(join(home.dir, 'seen'), 0o777);
}, 120_000);

afterAll(() => {
  if (user) killPids(holders().map((line) => Number(line.split(':')[0])));
  home?.remove();
  if (guestDir) rmSync(guestDir, { recursive: true, force: true });
});

/** up.sh as the user, with $SIG sent to it when it first looks at its new holder; what it said and the holder's pid. */
function upSignalled(sig: 'KILL' | 'TERM') {
  const seen = join(home.dir, 'seen', sig);
  const r = runAs(user, ['bash', join(exportDir, 'up.sh')], {
    env: { ...home.env, SIG: sig, SEEN: seen },
    cwd: '/',
    timeoutMs: 60_000,
  });
  expect(existsSync(seen), `up.sh never looked at a holder:\n${r.stdout}${r.stderr}`).toBe(true);
  return { r, holder: Number(readFileSync(seen, 'utf8').trim()) };
}

describe('the exported up.sh of a rootless lab, stopped right after it started its namespace holder', () => {
  it.each(['KILL', 'TERM'] as const)(
    'SIG%s: the holder ends with up.sh, and down.sh finds nothing to end',
    async (sig) => {
      const { r, holder } = upSignalled(sig);
      if (sig === 'KILL') expect(r.signal, r.stderr).toBe('SIGKILL');
      else {
        expect(r.status, r.stderr).toBe(143);
        expect(r.stderr).toContain('rolled back');
      }
      await until(`holder pid ${holder} to end`, () => !pidAlive(holder), 10_000);
      expect(holders(), 'no namespace holder of the user left').toEqual([]);
      const down = runAs(user, ['bash', join(exportDir, 'down.sh')], { env: home.env, cwd: '/', timeoutMs: 60_000 });
      expect(down.status, `${down.stdout}${down.stderr}`).toBe(0);
      expect(existsSync(join(home.dir, 'run/qnet', LAB, 'userns.holder'))).toBe(false);
      expect(home.escalations(), 'sudo and pkexec never called').toBe('');
    },
    90_000,
  );
});
