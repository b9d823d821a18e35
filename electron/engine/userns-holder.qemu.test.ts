import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GATED_HOLDER_COMMAND, HOLDER_COMMAND } from '../../shared/compiler/enter';
import { killPids } from '../testkit/procs';
import { Journal } from './journal';
import { cmdlineOf, pidAlive } from './proc';
import { recoverLab } from './recovery';
import { endHolder, isHolder, netnsOf, startHolder, type Holder } from './userns';

/*
 * Issue 10: the engine's namespace holder starts at the gate exported up.sh uses (the words of
 * shared/compiler/enter.ts) and runs the holder's command only once released, after the engine journaled it. A
 * holder still at its gate is the holder all the same: isHolder knows it, endHolder and recovery end it. (That an
 * engine killed before journaling leaves no holder is proven in electron/cli/engine-holder.qemu.test.ts.)
 */

let base: string;
const started: number[] = [];

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'qnet-holder-')));
});
afterEach(() => {
  killPids(started.splice(0));
  rmSync(base, { recursive: true, force: true });
});

/** A holder started by this process, at its gate. */
async function gated() {
  const s = await startHolder(process.env);
  if (!s.ok) throw new Error(s.message);
  started.push(s.holder.pid);
  return s;
}

describe("the engine's namespace holder, gated", () => {
  it('waits at its gate in a namespace of its own; released, the same pid runs the holder command there', async () => {
    const s = await gated();
    const { pid, net } = s.holder;
    expect(cmdlineOf(pid)).toEqual([...GATED_HOLDER_COMMAND]);
    expect(net).not.toBe(netnsOf('self'));
    expect(isHolder(pid, net)).toBe(true);
    expect(await s.release()).toBeNull();
    expect(cmdlineOf(pid)).toEqual([...HOLDER_COMMAND]);
    expect(netnsOf(pid)).toBe(net);
    expect(isHolder(pid, net)).toBe(true);
    expect(await endHolder(s.holder)).toBe(true);
    expect(pidAlive(pid)).toBe(false);
  });

  it('endHolder ends a holder still at its gate, and leaves alone a pid in another namespace', async () => {
    const s = await gated();
    const other: Holder = { pid: s.holder.pid, net: netnsOf('self')! };
    expect(isHolder(other.pid, other.net)).toBe(false);
    expect(await endHolder(other)).toBe(true);
    expect(pidAlive(s.holder.pid)).toBe(true);
    expect(await endHolder(s.holder)).toBe(true);
    expect(pidAlive(s.holder.pid)).toBe(false);
  });

  it('recovery ends a journaled holder that never got past its gate', async () => {
    const s = await gated();
    const labDir = join(base, 'demo');
    mkdirSync(labDir, { mode: 0o700 });
    const opened = Journal.open(labDir, { lab: 'demo', netns: null });
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.journal.holder(s.holder.pid, s.holder.net).ok).toBe(true);
    opened.journal.close();
    const r = await recoverLab(labDir);
    expect(r.killed).toEqual([{ proc: 'namespace holder', pid: s.holder.pid }]);
    expect(r.failures).toEqual([]);
    expect(pidAlive(s.holder.pid)).toBe(false);
  });
});
