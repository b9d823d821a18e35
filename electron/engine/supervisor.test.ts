import { appendFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessPlan, Readiness } from '../../shared/compiler/plan';
import { Journal, journaledProcesses, readJournal } from './journal';
import { ProcessSupervisor, STDERR_TAIL_BYTES, type SupervisorOptions } from './supervisor';

let dir: string;
const running: ProcessSupervisor[] = [];
const FAST = { powerdownMs: 100, quitMs: 100, termMs: 300, killMs: 2000 };

function plan(script: string, over: Partial<ProcessPlan> = {}): ProcessPlan {
  return {
    id: 'p1',
    kind: 'slirpvde',
    node: 'n1',
    argv: [process.execPath, '-e', script],
    dependsOn: [],
    ready: { type: 'none' },
    holdStdin: false,
    stderrLog: join(dir, 'p1.log'),
    ...over,
  };
}

function supervise(p: ProcessPlan, over: Partial<SupervisorOptions> = {}): ProcessSupervisor {
  const s = new ProcessSupervisor({ plan: p, netns: null, stopTimeouts: FAST, readyTimeoutMs: 5000, ...over });
  running.push(s);
  return s;
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-sup-'));
});
afterEach(async () => {
  for (const s of running.splice(0)) {
    if (s.pid !== null && !s.exit) process.kill(s.pid, 'SIGKILL');
    await s.dispose();
  }
  rmSync(dir, { recursive: true, force: true });
});

const IDLE = 'setInterval(() => {}, 1000)';

describe('ProcessSupervisor', () => {
  it('starts, runs and stops a process with SIGTERM, reporting states', async () => {
    const s = supervise(plan(IDLE));
    const states: string[] = [];
    s.subscribe((e) => e.type === 'state' && states.push(e.state));
    const r = await s.start();
    expect(r.ok).toBe(true);
    expect(s.state).toBe('running');
    const stopped = await s.stop();
    expect(stopped).toMatchObject({
      ok: true,
      by: 'term',
      exit: { signal: 'SIGTERM', crashed: false, during: 'stop' },
    });
    expect(states).toEqual(['starting', 'running', 'stopping', 'exited']);
    expect(await s.stop()).toEqual(stopped);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const ready = join(dir, 'handler-installed');
    const s = supervise(
      plan(`process.on('SIGTERM', () => {}); require('fs').writeFileSync(${JSON.stringify(ready)}, ''); ${IDLE}`, {
        ready: { type: 'path', path: ready },
      }),
    );
    expect((await s.start()).ok).toBe(true);
    expect(await s.stop()).toMatchObject({
      ok: true,
      by: 'kill',
      exit: { signal: 'SIGKILL', crashed: false, during: 'stop' },
    });
  });

  it('reports a crash with its exit code and the last 8 KiB of output, from this run only', async () => {
    const log = join(dir, 'p1.log');
    const s0 = supervise(plan(`console.error('earlier run')`));
    await s0.start();
    await until(() => s0.exit !== null, 'first run to end');
    appendFileSync(log, 'x'.repeat(100));
    const s = supervise(
      plan(
        `process.stderr.write('a'.repeat(${STDERR_TAIL_BYTES + 100}) + 'the end'); setTimeout(() => process.exit(3), 50)`,
      ),
    );
    const exits: unknown[] = [];
    s.subscribe((e) => e.type === 'exit' && exits.push(e.exit));
    await s.start();
    await until(() => exits.length === 1, 'the crash');
    expect(s.exit).toMatchObject({ code: 3, signal: null, crashed: true, during: 'run' });
    expect(s.exit!.stderrTail.length).toBe(STDERR_TAIL_BYTES);
    expect(s.exit!.stderrTail.endsWith('the end')).toBe(true);
    expect(readFileSync(log, 'utf8').startsWith('earlier run\n')).toBe(true);
    expect(await s.stop()).toMatchObject({ ok: true, by: 'already-exited' });
  });

  it('a process killed from outside is reported crashed with its signal', async () => {
    const s = supervise(plan(IDLE));
    const r = await s.start();
    if (!r.ok) throw new Error(r.error.message);
    process.kill(r.pid, 'SIGKILL');
    await until(() => s.exit !== null, 'exit');
    expect(s.exit).toMatchObject({ code: null, signal: 'SIGKILL', crashed: true, during: 'run' });
  });

  it('waits for a new file at the path: one already there does not count, and is not deleted', async () => {
    const ready = join(dir, 'ctl');
    writeFileSync(ready, 'stale');
    const s = supervise(
      plan(`setTimeout(() => require('fs').writeFileSync(${JSON.stringify(ready)}, 'x'), 150); ${IDLE}`, {
        ready: { type: 'path', path: ready },
      }),
    );
    const t0 = Date.now();
    const r = await s.start();
    expect(r.ok).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(readFileSync(ready, 'utf8')).toBe('x');
  });

  it('fails start when the process exits before it is ready, with its output', async () => {
    const s = supervise(
      plan(`console.error('cannot bind'); process.exit(2)`, { ready: { type: 'path', path: join(dir, 'never') } }),
    );
    const r = await s.start();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('EXITED_BEFORE_READY');
    expect(r.error.exit).toMatchObject({ code: 2, crashed: true, during: 'start', stderrTail: 'cannot bind\n' });
  });

  it('fails start after the ready timeout and leaves nothing running', async () => {
    const s = supervise(plan(IDLE, { ready: { type: 'path', path: join(dir, 'never') } }), { readyTimeoutMs: 200 });
    const r = await s.start();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('NOT_READY');
    expect(s.exit).not.toBeNull();
    expect(alive(s.pid!)).toBe(false);
  });

  it('qmp readiness fails fast when the process dies', async () => {
    const ready: Readiness = { type: 'qmp', socket: join(dir, 'q.sock') };
    const s = supervise(plan(`setTimeout(() => process.exit(1), 100)`, { ready, kind: 'vm' }), {
      readyTimeoutMs: 20_000,
    });
    const t0 = Date.now();
    const r = await s.start();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('EXITED_BEFORE_READY');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('never opens its log through a symlink: the start fails, naming it, and the file it points at is untouched', async () => {
    const target = join(dir, 'secret');
    writeFileSync(target, 'secret\n', { mode: 0o600 });
    symlinkSync(target, join(dir, 'p1.log'));
    const s = supervise(plan(IDLE));
    const r = await s.start();
    expect(r).toMatchObject({
      ok: false,
      error: {
        code: 'SPAWN_FAILED',
        message: `cannot open the log: ${join(dir, 'p1.log')} is a symlink: refused (a state file is never written through one)`,
      },
    });
    expect(s.pid).toBeNull();
    expect(readFileSync(target, 'utf8')).toBe('secret\n');
  });

  it('a missing binary is SPAWN_FAILED', async () => {
    const s = supervise({ ...plan(''), argv: ['/nonexistent/qemu-system-x86_64'] });
    const r = await s.start();
    expect(r).toMatchObject({ ok: false, error: { code: 'SPAWN_FAILED' } });
    expect(await s.start()).toMatchObject({ ok: false, error: { code: 'ALREADY_STARTED' } });
  });

  it('holdStdin keeps a process that exits on stdin EOF running', async () => {
    // Ready 200 ms after start, unless stdin's EOF (at once from /dev/null) ended it first.
    const onEof = (path: string) =>
      `process.stdin.on('end', () => process.exit(0)); process.stdin.resume(); setTimeout(() => require('fs').writeFileSync(${JSON.stringify(path)}, ''), 200); ${IDLE}`;
    const a = join(dir, 'a-ready');
    const without = supervise(plan(onEof(a), { ready: { type: 'path', path: a } }));
    expect(await without.start()).toMatchObject({
      ok: false,
      error: { code: 'EXITED_BEFORE_READY', exit: { code: 0, crashed: false } },
    });

    const b = join(dir, 'b-ready');
    const held = supervise(plan(onEof(b), { id: 'p2', holdStdin: true, ready: { type: 'path', path: b } }));
    expect((await held.start()).ok).toBe(true);
    expect(held.state).toBe('running');
    expect(await held.stop()).toMatchObject({ ok: true, by: 'term' });
  });

  it('records spawn, pid and exit in the journal', async () => {
    const j = Journal.open(dir, { lab: 'demo', netns: null });
    if (!j.ok) throw new Error(j.error.message);
    const s = supervise(plan(IDLE, { pidfile: join(dir, 'p1.pid') }), { journal: j.journal });
    const r = await s.start();
    if (!r.ok) throw new Error(r.error.message);
    const read = () => {
      const x = readJournal(j.journal.path);
      if (!x.ok) throw new Error(x.error.message);
      return journaledProcesses(x.records);
    };
    expect(read()).toEqual([{ proc: 'p1', argv: plan(IDLE).argv, pidfile: join(dir, 'p1.pid'), pid: r.pid }]);
    await s.stop();
    expect(read()).toEqual([]);
    j.journal.close();
  });

  it("runs under ip netns exec: a missing namespace is reported with ip's own words", async () => {
    const s = supervise(plan(IDLE, { ready: { type: 'path', path: join(dir, 'never') } }), {
      netns: 'qnet-no-such-ns',
    });
    const r = await s.start();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('EXITED_BEFORE_READY');
    expect(r.error.exit?.stderrTail).toMatch(/qnet-no-such-ns/);
  });
});
