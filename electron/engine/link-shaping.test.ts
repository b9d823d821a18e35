import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { LabPlan } from '../../shared/compiler/plan';
import { LinkShapes } from './link-shaping';
import { pidAlive } from './proc';

/*
 * Live shaping in a lab whose namespace is gone (its holder died: a lost rootless lab). The ifb shaping made went
 * with the namespace, so the stop has nothing of it to delete and must not call the teardown incomplete. The
 * "lab" is a throwaway network namespace held by a sleep, with a real tap in it, tc and ip run there for real.
 */

const held: ChildProcess[] = [];
afterEach(() => {
  for (const c of held.splice(0)) c.kill('SIGKILL');
});

/** A network namespace of its own, held by a sleep; argv placed in it while the sleep lives, else null. */
async function throwawayLab(): Promise<{ holder: ChildProcess; inLab: (argv: readonly string[]) => string[] | null }> {
  const holder = spawn('unshare', ['-n', 'sleep', '1000'], { stdio: 'ignore' });
  held.push(holder);
  await new Promise((r) => holder.once('spawn', r));
  const pid = holder.pid!;
  // unshare execs sleep once the namespace is made: wait for that before entering it.
  for (
    let i = 0;
    i < 100 &&
    spawnSync('readlink', [`/proc/${pid}/exe`])
      .stdout.toString()
      .includes('unshare');
    i++
  )
    await new Promise((r) => setTimeout(r, 20));
  return {
    holder,
    inLab: (argv) => (pidAlive(pid) ? ['nsenter', `--net=/proc/${pid}/ns/net`, '--', ...argv] : null),
  };
}

describe('live shaping when the lab lost its namespace', () => {
  it('stops without calling the ifb it made left behind: it went with the namespace', async () => {
    const { holder, inLab } = await throwawayLab();
    const run = (...argv: string[]) => {
      const placed = inLab(argv)!;
      return spawnSync(placed[0]!, placed.slice(1), { encoding: 'utf8' });
    };
    const tap = run('ip', 'tuntap', 'add', 'dev', 'qnt-s0', 'mode', 'tap');
    expect(tap.status, tap.stderr).toBe(0);
    const plan = {
      lab: 'lost',
      netns: null,
      target: { isolation: 'userns' },
      vms: [{ nics: [{ link: 'l1', tap: 'qnt-s0', ifb: 'qni-s0', realization: 'tap' }] }],
    } as unknown as LabPlan;
    const shapes = new LinkShapes({
      lab: 'lost',
      plan,
      inLab,
      env: process.env,
      netem: () => false,
      journal: () => null,
    });
    const set = await shapes.set('l1', { rate: '4mbit' });
    expect(set.ok, set.ok ? '' : set.error.message).toBe(true);
    const ifbs = run('ip', '-o', 'link', 'show', 'type', 'ifb');
    expect(ifbs.stdout).toContain('qni-s0');

    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    expect(await shapes.release()).toEqual([]);
  });
});
