import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessPlan } from '../../shared/compiler/plan';
import { ProcessSupervisor, type SupervisorOptions } from './supervisor';
import { alive, pausedGuestPlan, until } from '../testkit/engine';

let dir: string;
const supervisors: ProcessSupervisor[] = [];
const namespaces: string[] = [];
const FAST = { powerdownMs: 300, quitMs: 3000, termMs: 3000, killMs: 3000 };

function supervise(plan: ProcessPlan, over: Partial<SupervisorOptions> = {}): ProcessSupervisor {
  const s = new ProcessSupervisor({ plan, netns: null, stopTimeouts: FAST, readyTimeoutMs: 20_000, ...over });
  supervisors.push(s);
  return s;
}

function vdeSwitch(holdStdin: boolean): ProcessPlan {
  const sock = join(dir, 'sw');
  return {
    id: 'sw',
    kind: 'vde_switch',
    node: 'sw',
    argv: ['vde_switch', '-s', sock],
    dependsOn: [],
    ready: { type: 'path', path: join(sock, 'ctl') },
    holdStdin,
    stderrLog: join(dir, 'sw.log'),
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-supq-'));
});

afterEach(async () => {
  for (const s of supervisors.splice(0)) {
    const pid = s.pid;
    if (pid !== null && alive(pid)) process.kill(pid, 'SIGKILL');
    await s.dispose();
    if (pid !== null) await until(() => !alive(pid), `pid ${pid} to die`);
  }
  for (const ns of namespaces.splice(0)) spawnSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
});

describe('ProcessSupervisor with real QEMU and vde_switch', () => {
  it('a guest is ready once QMP answers; the stop sequence escalates from system_powerdown to quit on a paused guest', async () => {
    const s = supervise(pausedGuestPlan(dir));
    const r = await s.start();
    expect(r.ok).toBe(true);
    expect(s.state).toBe('running');
    expect(await s.qmp!.execute('query-status')).toMatchObject({ ok: true, value: { status: 'prelaunch' } });
    const powerdown = s.qmp!.waitEvent((e) => e.event === 'POWERDOWN', 10_000);
    const stopped = await s.stop();
    expect((await powerdown).ok).toBe(true); // it was asked, and ignored it
    expect(stopped).toMatchObject({
      ok: true,
      by: 'quit',
      exit: { code: 0, signal: null, crashed: false, during: 'stop' },
    });
    // A clean quit leaves no sockets behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.sock'))).toEqual([]);
  });

  it('a guest killed with SIGKILL from outside is reported crashed with its signal and stderr tail', async () => {
    const s = supervise(pausedGuestPlan(dir));
    const r = await s.start();
    if (!r.ok) throw new Error(r.error.message);
    const exits: unknown[] = [];
    s.subscribe((e) => e.type === 'exit' && exits.push(e.exit));
    process.kill(r.pid, 'SIGKILL');
    await until(() => exits.length === 1, 'the exit report');
    expect(s.exit).toMatchObject({ code: null, signal: 'SIGKILL', crashed: true, during: 'run' });
    expect(typeof s.exit!.stderrTail).toBe('string');
    expect(s.qmp!.closed).toBe(true);
    expect(await s.stop()).toMatchObject({ ok: true, by: 'already-exited' });
  });

  it('a guest whose QEMU fails at start-up reports its error as the stderr tail', async () => {
    const plan = pausedGuestPlan(dir);
    const s = supervise({ ...plan, argv: [...plan.argv, '-netdev', 'bogus,id=n0'] });
    const r = await s.start();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('EXITED_BEFORE_READY');
    expect(r.error.exit).toMatchObject({ code: 1, crashed: true, during: 'start' });
    expect(r.error.exit!.stderrTail).toMatch(/bogus/);
  });

  it('vde_switch exits at stdin EOF without holdStdin', async () => {
    const s = supervise(vdeSwitch(false));
    await s.start(); // it may or may not create ctl before it reads EOF
    await until(() => s.exit !== null, 'vde_switch to exit');
    expect(s.exit!.stderrTail).toMatch(/EOF on stdin/);
  });

  it('vde_switch with holdStdin stays up, is ready when sw/ctl exists, accepts a connection, and stops on SIGTERM', async () => {
    const s = supervise(vdeSwitch(true));
    const r = await s.start();
    expect(r.ok).toBe(true);
    expect(statSync(join(dir, 'sw', 'ctl')).isSocket()).toBe(true);
    await new Promise<void>((resolve, reject) => {
      const c = createConnection(join(dir, 'sw', 'ctl'));
      c.once('connect', () => {
        c.destroy();
        resolve();
      });
      c.once('error', reject);
    });
    expect(alive(r.ok ? r.pid : -1)).toBe(true);
    expect(s.state).toBe('running');
    expect(await s.stop()).toMatchObject({ ok: true, by: 'term', exit: { crashed: false } });
    expect(existsSync(join(dir, 'sw'))).toBe(false);
  });

  it('runs a guest inside the lab namespace (ip netns exec, same pid)', async () => {
    const ns = `qnet-supq-${process.pid}`;
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    namespaces.push(ns);
    const s = supervise(pausedGuestPlan(dir), { netns: ns });
    const r = await s.start();
    if (!r.ok) throw new Error(r.error.message);
    const inode = readlinkSync(`/proc/${r.pid}/ns/net`);
    expect(inode).toBe(`net:[${statSync(`/run/netns/${ns}`).ino}]`);
    expect(readlinkSync(`/proc/${r.pid}/exe`)).toMatch(/qemu-system-x86_64/);
    expect(await s.stop()).toMatchObject({ ok: true, by: 'quit' });
  });
});
