import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killPids, pidAlive } from '../testkit/procs';
import { buildCli, ROOT } from '../testkit/qnetCli';
import { labProcesses, leftFiles, qnetAs, until } from '../testkit/userLab';
import { testUser, userHome, type UserHome } from '../testkit/users';

/*
 * Issue 10: the engine of a rootless lab starts its namespace holder, then journals it. An engine SIGKILLed between
 * the two must not leave a holder nobody knows of. The moment is hit exactly, not by a race: an `unshare` first on
 * the user's PATH, when the engine runs it for the holder (its argv ends with the holder's command), SIGKILLs the
 * engine that spawned it (its parent), waits until the engine is dead, then execs the real unshare with the
 * engine's argv: the holder starts as the engine asked, in a pid the engine never journaled.
 */

const EXAMPLE = join(ROOT, 'assets/examples/02-tap-bridge.qnet.yaml');
const LAB = 'tap-bridge';
const guestCache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'qnet/guest/x86_64');

let home: UserHome;
let seen = '';

/** The shim: for the holder only, notes its own pid (the holder's) in $1's file and SIGKILLs the engine first. */
const unshareShim = (seenFile: string) => `#!/bin/bash
if [ "\${*: -1}" = infinity ] && [ ! -e ${seenFile} ]; then
  echo $$ >${seenFile}
  kill -KILL "$PPID"
  while [ -e "/proc/$PPID" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$PPID/status" 2>/dev/null; do sleep 0.01; done
fi
exec /usr/bin/unshare "$@"
`;

beforeAll(() => {
  buildCli();
  if (!existsSync(join(guestCache, 'vmlinuz')))
    throw new Error(`no tiny guest in ${guestCache}: run npx qnet guest build`);
  home = userHome(testUser('qnet-test1'), guestCache, 'qnet-engine-holder-');
  seen = join(home.dir, 'holder.seen');
  writeFileSync(join(home.dir, 'shim/unshare'), unshareShim(seen), { mode: 0o755 });
}, 120_000);

afterAll(() => {
  if (home) {
    killPids(labProcesses(home).map((l) => Number(l.split(':')[0])));
    home.remove();
  }
});

describe("a rootless lab's engine SIGKILLed after it spawned its namespace holder, before it journaled it", () => {
  it('the holder ends with the engine, and qnet down finds nothing left', async () => {
    const up = qnetAs(home, ['up', EXAMPLE, '--detach']);
    expect(up.code, `${up.out}${up.err}`).not.toBe(0);
    expect(up.err).toContain('the engine exited (killed by SIGKILL)');
    expect(existsSync(seen), `the engine never started a holder:\n${up.err}`).toBe(true);
    const holder = Number(readFileSync(seen, 'utf8').trim());
    const journal = readFileSync(join(home.dir, 'run/qnet', LAB, 'engine.journal'), 'utf8');
    expect(journal, 'killed before it journaled the holder').not.toContain('"t":"holder"');
    await until(`holder pid ${holder} to end`, () => !pidAlive(holder), 10_000).catch(() => null);
    expect(pidAlive(holder), `the unjournaled holder (pid ${holder}) outlived its engine`).toBe(false);
    expect(labProcesses(home)).toEqual([]);
    const down = qnetAs(home, ['down', LAB]);
    expect(down.code, `${down.out}\n${down.err}`).toBe(0);
    expect(labProcesses(home)).toEqual([]);
    expect(leftFiles(home)).toEqual([]);
    expect(home.escalations(), 'sudo and pkexec never called').toBe('');
  }, 120_000);
});
