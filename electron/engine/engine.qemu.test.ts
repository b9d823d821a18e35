import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent, LabStatus } from '../../shared/api';
import { labSlug, labStateDir, netnsName } from '../../shared/compiler/index';
import { writePausedGuest } from '../testkit/fakeGuest';
import { leftoverSpecialFiles } from '../testkit/exportedLab';
import { deleteNetns, netnsExists } from '../testkit/netns';
import { killPids, pidAlive, processesMentioning } from '../testkit/procs';
import { createEngine, type Engine } from './engine';
import { EXAMPLES, NO_KVM, renamed, RUN } from '../testkit/lab';
import { recoverLab } from './recovery';
import { fileTrustStore } from './trust';
import { until } from '../testkit/engine';

/* The engine over the api contract: two labs at once, requests and their errors, and recovery after it was killed. */

const HERE = dirname(fileURLToPath(import.meta.url));
let base: string;
let engine: Engine;
const events: EngineEvent[] = [];
const children: ChildProcess[] = [];
const labNames = [`socket-pair-${RUN}`, `socket-pair-two-${RUN}`, `vde-slirpvde-${RUN}`];
const [PAIR, PAIR2, VDE] = labNames as [string, string, string];

const yaml = (file: string, name?: string) => ({
  kind: 'yaml' as const,
  text: renamed(readFileSync(join(EXAMPLES, file), 'utf8'), name),
});

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'qnet-engine-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function newEngine(): Engine {
  const guest = writePausedGuest(join(base, 'guest'));
  const e = createEngine({
    stateDir: join(base, 'state'),
    defaults: { isolation: 'netns' },
    tinyGuest: { x86_64: guest },
    kvm: NO_KVM,
    runner: { stopTimeouts: { powerdownMs: 300 } },
    trust: fileTrustStore(join(base, 'config', 'trusted.json')),
  });
  e.subscribe((ev) => events.push(ev));
  return e;
}

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await engine?.dispose();
  events.length = 0;
  for (const name of labNames) {
    const dir = labStateDir(join(base, 'state'), labSlug(name));
    const left = processesMentioning(dir);
    killPids(left.map((p) => p.pid));
    const ns = netnsName(labSlug(name));
    const hadNs = netnsExists(ns);
    deleteNetns(ns);
    expect(
      { processes: left.map((p) => p.argv.join(' ')), netns: hadNs, files: leftoverSpecialFiles(dir) },
      `left by ${name}`,
    ).toEqual({ processes: [], netns: false, files: [] });
  }
});

describe('createEngine', () => {
  it('runs two labs at once (same topology under two names, and a VDE lab) without collisions; stop cleans each', async () => {
    engine = newEngine();
    const results = await Promise.all([
      engine.request({ type: 'launch', source: yaml('05-socket-pair.qnet.yaml') }),
      engine.request({ type: 'launch', source: yaml('05-socket-pair.qnet.yaml', PAIR2) }),
      engine.request({ type: 'launch', source: yaml('04-vde-slirpvde.qnet.yaml') }),
    ]);
    for (const r of results) if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    const statuses = results.map((r) => (r.ok ? r.status : null)) as LabStatus[];
    expect(statuses.map((s) => s.state)).toEqual(['running', 'running', 'running']);
    expect(new Set(statuses.map((s) => s.netns)).size).toBe(3);
    expect(new Set(statuses.map((s) => s.stateDir)).size).toBe(3);
    const list = await engine.request({ type: 'list' });
    expect(list.ok && list.labs.map((l) => l.lab).sort()).toEqual([...labNames].sort());

    // The same name again while it runs: LAB_EXISTS, and the running lab is untouched.
    const again = await engine.request({ type: 'launch', source: yaml('05-socket-pair.qnet.yaml') });
    expect(!again.ok && again.error.code).toBe('LAB_EXISTS');

    // Console: subscribe, read, and input once the attachment is connected.
    const sub = await engine.request({ type: 'consoleSubscribe', lab: PAIR, vm: 'server' });
    expect(sub.ok).toBe(true);
    await until(
      async () => (await engine.request({ type: 'consoleInput', lab: PAIR, vm: 'server', data: '\n' })).ok,
      'console input accepted',
    );
    const read = await engine.request({ type: 'consoleRead', lab: PAIR, vm: 'server', fromSeq: 0 });
    expect(read.ok).toBe(true);
    if (sub.ok)
      expect(await engine.request({ type: 'consoleUnsubscribe', subscription: sub.subscription })).toEqual({
        ok: true,
      });

    expect(await engine.request({ type: 'stop', lab: PAIR })).toEqual({ ok: true, lab: PAIR });
    const other = await engine.request({ type: 'status', lab: PAIR2 });
    expect(other.ok && other.status.state).toBe('running');
    expect(other.ok && other.status.vms.every((v) => v.state.state === 'running')).toBe(true);
    // The document it was launched from comes back for a window that opens later.
    expect(other.ok && other.topology?.name).toBe(PAIR2);
    for (const lab of [PAIR2, VDE]) expect((await engine.request({ type: 'stop', lab })).ok).toBe(true);
    const logs = await engine.request({ type: 'logs', lab: VDE });
    expect(logs.ok && logs.lines.some((l) => l.message === `lab ${VDE} stopped`)).toBe(true);
    expect(events.filter((e) => e.type === 'labState' && e.state === 'stopped').length).toBe(3);
  });

  it('builds a missing tiny guest before the launch that needs it, once for every VM; a failed build leaves it to preflight', async () => {
    const missing = (dir: string) => ({
      kernel: join(base, dir, 'vmlinuz'),
      initrd: join(base, dir, 'initramfs.cpio.gz'),
    });
    const built: string[] = [];
    const into = missing('ondemand');
    engine = createEngine({
      stateDir: join(base, 'state'),
      defaults: { isolation: 'netns' },
      tinyGuest: { x86_64: into },
      kvm: NO_KVM,
      runner: { stopTimeouts: { powerdownMs: 300 } },
      buildGuest: async (arch, log) => {
        built.push(arch);
        log('unpacking the kernel');
        const g = writePausedGuest(join(base, 'paused'));
        mkdirSync(dirname(into.kernel), { recursive: true });
        copyFileSync(g.kernel, into.kernel);
        copyFileSync(g.initrd, into.initrd);
      },
    });
    engine.subscribe((ev) => events.push(ev));
    const up = await engine.request({ type: 'launch', source: yaml('05-socket-pair.qnet.yaml') });
    if (!up.ok) throw new Error(`${up.error.code}: ${up.error.message}`);
    expect(up.status.state).toBe('running');
    expect(built).toEqual(['x86_64']);
    const lines = events.flatMap((e) => (e.type === 'log' && e.lab === PAIR ? [e.message] : []));
    expect(lines).toEqual(expect.arrayContaining(['tiny guest: unpacking the kernel', 'tiny guest: built for x86_64']));
    expect((await engine.request({ type: 'stop', lab: PAIR })).ok).toBe(true);
    expect((await engine.request({ type: 'launch', source: yaml('05-socket-pair.qnet.yaml') })).ok).toBe(true);
    expect(built).toEqual(['x86_64']); // there now: not built again
    expect((await engine.request({ type: 'stop', lab: PAIR })).ok).toBe(true);
    await engine.dispose();

    engine = createEngine({
      stateDir: join(base, 'state'),
      defaults: { isolation: 'netns' },
      tinyGuest: { x86_64: missing('never') },
      kvm: NO_KVM,
      buildGuest: async () => {
        throw new Error('apt-get download failed: no network');
      },
    });
    events.length = 0;
    engine.subscribe((ev) => events.push(ev));
    const failed = await engine.request({ type: 'launch', source: yaml('05-socket-pair.qnet.yaml') });
    expect(failed).toMatchObject({ ok: false, error: { code: 'PREFLIGHT_FAILED' } });
    expect(!failed.ok && failed.error.diagnostics?.map((d) => d.code)).toContain('PREFLIGHT_TINY_GUEST_MISSING');
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'log',
        level: 'error',
        message: 'tiny guest: could not build it for x86_64: apt-get download failed: no network',
      }),
    );
  });

  it('answers bad requests with typed errors and never throws', async () => {
    engine = newEngine();
    expect(await engine.request({ type: 'status', lab: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'LAB_NOT_FOUND' },
    });
    expect(
      await engine.request({ type: 'launch', source: { kind: 'yaml', text: 'version: 1\nname: [' } }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_TOPOLOGY' } });
    expect(await engine.request({ type: 'consoleUnsubscribe', subscription: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
    expect(await engine.request({ type: 'bogus' } as never)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
    const pre = await engine.request({ type: 'preflight', source: yaml('08-vhost-user-vdpa.qnet.yaml') });
    expect(pre.ok).toBe(true);
    if (!pre.ok) return;
    const codes = pre.problems.map((p) => p.code);
    expect(codes).toContain('PREFLIGHT_VHOST_USER_BACKEND');
    expect(codes).toContain('PREFLIGHT_VDPA_DEVICE');
    expect(pre.problems.find((p) => p.code === 'PREFLIGHT_VDPA_DEVICE')!.message).toMatch(
      /^no vDPA device at \/dev\/vhost-vdpa-0/,
    );
    const asked = await engine.request({ type: 'launch', source: yaml('08-vhost-user-vdpa.qnet.yaml') });
    expect(asked).toMatchObject({ ok: false, error: { code: 'UNTRUSTED' } });
    const trust = asked.ok ? undefined : asked.error.trust?.digest;
    const launched = await engine.request({
      type: 'launch',
      source: yaml('08-vhost-user-vdpa.qnet.yaml'),
      options: { trust },
    });
    expect(launched).toMatchObject({ ok: false, error: { code: 'PREFLIGHT_FAILED' } });
  });

  it('after the engine process is killed mid-lab, recoverLab stops its processes and undoes its steps; again it has nothing to do', async () => {
    const stateBase = join(base, 'state');
    const file = join(base, 'vde.qnet.yaml');
    writeFileSync(file, renamed(readFileSync(join(EXAMPLES, '04-vde-slirpvde.qnet.yaml'), 'utf8')));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(HERE, '../testkit/recovery-child.ts'), stateBase, join(base, 'guest-child'), file],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await until(() => out.includes('\n'), 'the child engine to launch the lab', 60_000);
    const r = JSON.parse(out.split('\n')[0]!) as { ok: boolean; status: LabStatus };
    expect(r.ok).toBe(true);
    const dir = r.status.stateDir;
    const pids = processesMentioning(dir).map((p) => p.pid);
    expect(pids.length).toBe(5); // vde_switch, slirpvde, three guests
    child.kill('SIGKILL');
    await until(() => child.signalCode !== null, 'the child to die');
    expect(pids.every(pidAlive)).toBe(true); // the lab outlived its engine

    const report = await recoverLab(dir);
    expect(report.ok).toBe(true);
    expect(report.killed.map((k) => k.pid).sort(), JSON.stringify(report.skipped)).toEqual([...pids].sort());
    expect(report.undone).toContain(`Create network namespace ${r.status.netns} for the lab`);
    expect(pids.filter(pidAlive)).toEqual([]);
    expect(netnsExists(r.status.netns!)).toBe(false);
    expect(leftoverSpecialFiles(dir)).toEqual([]);
    expect(await recoverLab(dir)).toMatchObject({ ok: true, hadJournal: false, killed: [] });
  });
});
