import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/api';
import { labSlug, labStateDir, netnsName } from '../../shared/compiler/index';
import { writePausedGuest } from '../testkit/fakeGuest';
import { leftoverSpecialFiles } from '../testkit/exportedLab';
import { deleteNetns, netnsExists } from '../testkit/netns';
import { killPids, processesMentioning } from '../testkit/procs';
import { createEngine, type Engine } from './engine';
import { EXAMPLES, NO_KVM, renamed, RUN } from '../testkit/lab';
import { fileTrustStore } from './trust';
import { until } from '../testkit/engine';

/*
 * The engine over the api contract: a lab's requests and their errors. Faults (two labs at once, recovery after the
 * engine was killed, …) are proven once, in scenarios/faults.qemu.test.ts.
 */

let base: string;
let engine: Engine;
const events: EngineEvent[] = [];
const labNames = [`socket-pair-${RUN}`];
const [PAIR] = labNames as [string];

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
  it("a launch under a running lab's name is LAB_EXISTS; console requests, its document in status, stop and its log line", async () => {
    engine = newEngine();
    const r = await engine.request({ type: 'launch', source: yaml('05-socket-pair.qnet.yaml') });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    expect(r.status.state).toBe('running');
    const list = await engine.request({ type: 'list' });
    expect(list.ok && list.labs.map((l) => l.lab)).toEqual([PAIR]);

    // The same name again while it runs: LAB_EXISTS, and the running lab is untouched.
    const again = await engine.request({ type: 'launch', source: yaml('05-socket-pair.qnet.yaml') });
    expect(!again.ok && again.error.code).toBe('LAB_EXISTS');
    const status = await engine.request({ type: 'status', lab: PAIR });
    expect(status.ok && status.status.vms.every((v) => v.state.state === 'running')).toBe(true);
    // The document it was launched from comes back for a window that opens later.
    expect(status.ok && status.topology?.name).toBe(PAIR);

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
    const logs = await engine.request({ type: 'logs', lab: PAIR });
    expect(logs.ok && logs.lines.some((l) => l.message === `lab ${PAIR} stopped`)).toBe(true);
    expect(events.filter((e) => e.type === 'labState' && e.state === 'stopped').length).toBe(1);
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
});
