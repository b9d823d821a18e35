import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from './journal';
import { pidAlive } from './proc';
import { processMismatch, recoverLab } from './recovery';
import { enterArgv } from './userns-enter';

/*
 * Recovery trusts the journal only as far as the engine could have written it: even the user's own journal (in a
 * directory of the user's alone) cannot make recovery run a command that is not a compiler's undo for a step of
 * this lab, or stop a process that is not one this lab starts.
 */

let base: string;
let labDir: string;
const children: ChildProcess[] = [];

function journal(): Journal {
  const r = Journal.open(labDir, { lab: 'demo', netns: null });
  if (!r.ok) throw new Error(r.error.message);
  return r.journal;
}

beforeEach(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'qnet-recovery-')));
  labDir = join(base, 'demo');
  mkdirSync(labDir, { mode: 0o700 });
});
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  rmSync(base, { recursive: true, force: true });
});

describe('recoverLab runs only what the engine could have written', () => {
  it("refuses an undo that is not the compiler's for that step, and says so", async () => {
    const marker = join(base, 'ran');
    const j = journal();
    j.beginStep(
      {
        id: 'bridge-lan',
        argv: ['ip', 'link', 'add', 'x'],
        undo: ['touch', marker],
        needsRoot: true,
        description: 'Create bridge x',
        inNetns: false,
      },
      null,
    );
    j.doneStep('bridge-lan');
    j.close();
    const r = await recoverLab(labDir);
    expect(r.ok).toBe(false);
    expect(r.undone).toEqual([]);
    expect(r.failures).toEqual([
      `Create bridge x: its undo touch ${marker} was not run: step bridge-lan is undone by ip link del NAME, not by touch ${marker} (the journal cannot have been written by this lab's engine)`,
    ]);
    expect(existsSync(marker)).toBe(false);
  });

  it("leaves alone a process the lab does not start, even one of the user's whose argv matches the record", async () => {
    const sleeper = spawn('sleep', ['1000'], { stdio: 'ignore' });
    children.push(sleeper);
    await new Promise((r) => sleeper.once('spawn', r));
    const j = journal();
    j.spawning('vm-a', ['sleep', '1000'], null);
    j.started('vm-a', sleeper.pid!);
    j.close();
    const r = await recoverLab(labDir, { termMs: 200 });
    expect(r.killed).toEqual([]);
    expect(r.failures).toEqual([
      "vm-a: left alone: sleep 1000 is not a process this lab starts (the journal cannot have been written by this lab's engine)",
    ]);
    expect(pidAlive(sleeper.pid!)).toBe(true);
  });

  it('refuses a journal that names another lab, using nothing in it', async () => {
    const marker = join(base, 'ran');
    const r0 = Journal.open(labDir, { lab: 'other', netns: 'qn-other' });
    if (!r0.ok) throw new Error(r0.error.message);
    r0.journal.beginStep(
      {
        id: 'netns',
        argv: ['ip', 'netns', 'add', 'qn-other'],
        undo: ['touch', marker],
        needsRoot: true,
        description: 'x',
        inNetns: false,
      },
      null,
    );
    r0.journal.doneStep('netns');
    r0.journal.close();
    const r = await recoverLab(labDir);
    expect(r).toMatchObject({
      ok: false,
      killed: [],
      undone: [],
      failures: [
        `${join(labDir, 'engine.journal')} is the journal of lab other (namespace qn-other), not of lab demo: nothing in it was used`,
      ],
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('knows the shapes of the processes a lab starts', () => {
    const qemu = ['qemu-system-x86_64', '-name', 'a', '-pidfile', `${labDir}/a.pid`];
    expect(processMismatch(qemu, labDir, 'qn-demo')).toBeNull();
    expect(processMismatch(['ip', 'netns', 'exec', 'qn-demo', ...qemu], labDir, 'qn-demo')).toBeNull();
    expect(processMismatch(['vde_switch', '-s', '/srv/sw', '-n', '8'], labDir, 'qn-demo')).toBeNull();
    expect(processMismatch(['slirpvde', '-s', `${labDir}/sw.vde`, '-D'], labDir, 'qn-demo')).toBeNull();
    expect(processMismatch(['ip', 'netns', 'exec', 'qn-else', ...qemu], labDir, 'qn-demo')).toBe(
      "it runs in namespace qn-else, not the lab's",
    );
    expect(processMismatch(['qemu-system-x86_64', '-pidfile', '/etc/x.pid'], labDir, 'qn-demo')).toMatch(
      /is not a process this lab starts/,
    );
    const testpmd = (sock: string) => ['dpdk-testpmd', '--no-huge', '--vdev', `net_vhost0,iface=${sock}`, '--', '-a'];
    expect(processMismatch(testpmd(`${labDir}/pmd.p0.sock`), labDir, 'qn-demo')).toBeNull();
    expect(processMismatch(testpmd('/srv/other.sock'), labDir, 'qn-demo')).toMatch(/is not a process this lab starts/);
    // A rootless lab's process enters the namespace of one of its journaled holders, and nobody else's.
    expect(processMismatch(enterArgv(4242, qemu), labDir, 'qn-demo', [4242])).toBeNull();
    expect(processMismatch(enterArgv(4243, qemu), labDir, 'qn-demo', [4242])).toBe(
      "it enters the namespace of pid 4243, no holder of the lab's",
    );
    expect(processMismatch(enterArgv(4242, ['sh', '-c', 'x']), labDir, 'qn-demo', [4242])).toMatch(
      /sh -c x is not a process this lab starts/,
    );
    // pasta joins one of the lab's holders by pid, or (a netns lab's) the lab's namespace by name.
    const pasta = ['pasta', '--foreground', '-t', '127.0.0.1/8080'];
    expect(processMismatch([...pasta, '4242'], labDir, 'qn-demo', [4242])).toBeNull();
    expect(processMismatch([...pasta, '--runas', '0', '--netns', 'qn-demo'], labDir, 'qn-demo')).toBeNull();
    expect(processMismatch([...pasta, '--runas', '0', '--netns', 'qn-else'], labDir, 'qn-demo')).toMatch(
      /joins no holder of the lab's, nor its namespace$/,
    );
  });
});
