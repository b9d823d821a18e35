import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { machinePairs, type LabPlan } from '../compiler/index';
import { loadTopology } from '../model/index';
import { compileCommand } from '../../electron/cli/cmd-compile';
import { cliTarget } from '../../electron/cli/target-options';
import { probeHost, type ProbeHostOptions } from '../../electron/engine/host-probe';
import type { KvmProbe } from '../../electron/engine/kvm';
import { NicModelCache } from '../../electron/engine/probe-nic-models';
import { readQemuChoice } from '../../electron/engine/qemu-choice';
import { webRoutes } from '../../electron/server/routes';
import type { NicModelsResponse, TargetResponse } from '../web-api';
import { writePausedGuest } from '../../electron/testkit/fakeGuest';
import { addNetns, deleteNetns } from '../../electron/testkit/netns';
import { killPids, processesMentioning } from '../../electron/testkit/procs';
import { withNicModels } from '../../renderer/plan/target';
import { planOf } from '../../renderer/plan/usePlan';

/*
 * What you see is what runs: for every example, this host probed by each path itself (probeHost), with KVM's answer
 * given alike to all three (unusable, as here, and usable, as on a KVM host) and the same tiny guest, the Commands
 * panel's plan (renderer/plan, from what `qnet serve`'s /api/target hands the page), `qnet compile --json` and the
 * argv the engine starts are the same. The engine is the real one, in a process of its own inside a namespace of
 * its own (so example 03's host bridge and example 02's br0 live there), launching each lab for real: host steps,
 * VDE switches, processes in order. Only QEMU is a stand-in (electron/testkit/standinQemu.mjs) that records its argv
 * and answers QMP: KVM does not work here, and what is checked is what the engine starts.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');
const EXAMPLES = join(ROOT, 'assets/examples');
const IS_ROOT = process.getuid?.() === 0;

let base = '';
let netns = '';
let vhostUser: Server | null = null;
const labs: { file: string; path: string; text: string }[] = [];
let guest: { kernel: string; initrd: string };

beforeAll(async () => {
  if (!IS_ROOT) throw new Error('the identity test needs root (a namespace, bridges and taps): CI runs it as root');
  base = realpathSync(mkdtempSync(join(tmpdir(), 'qnet-same-')));
  // The examples, with the host paths of example 08 moved into the test's directory: a listening vhost-user socket
  // and a file where the vDPA device would be (preflight asks only that they are there).
  const socket = join(base, 'vhost-user.sock');
  const vdpa = join(base, 'vhost-vdpa-0');
  writeFileSync(vdpa, '');
  vhostUser = createServer((c) => c.destroy());
  await new Promise<void>((r) => vhostUser!.listen(socket, r));
  mkdirSync(join(base, 'labs'));
  for (const file of readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.qnet.yaml'))
    .sort()) {
    const text = readFileSync(join(EXAMPLES, file), 'utf8')
      .replaceAll('/tmp/qnet-vhost-user.sock', socket)
      .replaceAll('/dev/vhost-vdpa-0', vdpa);
    const path = join(base, 'labs', file);
    writeFileSync(path, text);
    labs.push({ file, path, text });
  }
  // The stand-in QEMU, under each name the examples run.
  mkdirSync(join(base, 'bin'));
  for (const name of ['qemu-system-x86_64', 'qemu-system-aarch64']) {
    copyFileSync(join(ROOT, 'electron/testkit/standinQemu.mjs'), join(base, 'bin', name));
    chmodSync(join(base, 'bin', name), 0o755);
  }
  netns = `qnsame-${randomBytes(3).toString('hex')}`;
  addNetns(netns);
  // Example 03 joins the host bridge qnbr3, which it does not create.
  for (const argv of [
    ['link', 'add', 'qnbr3', 'type', 'bridge'],
    ['link', 'set', 'qnbr3', 'up'],
  ])
    spawnSync('ip', ['-n', netns, ...argv]);
  guest = writePausedGuest(join(base, 'guest'));
}, 120_000);

afterAll(async () => {
  if (base) killPids(processesMentioning(base).map((p) => p.pid));
  if (netns) deleteNetns(netns);
  await new Promise<void>((r) => (vhostUser ? vhostUser.close(() => r()) : r()));
  if (base) rmSync(base, { recursive: true, force: true });
});

function topologyOf(text: string) {
  const r = loadTopology(text);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.topology;
}

/** This host's probe with the answers a test gives: KVM's (unless the command line gave one), the tiny guest. */
const probed = (kvm: KvmProbe) => (o: ProbeHostOptions) =>
  probeHost({ ...o, kvm: o.kvm ?? kvm, tinyGuest: { x86_64: guest, aarch64: guest } });

/** The plan the Commands panel shows: what `qnet serve` hands the page at /api/target (over JSON), compiled by renderer/plan. */
async function pagePlan(text: string, stateDir: string, kvm: KvmProbe): Promise<LabPlan> {
  // As cmd-serve.ts builds its routes from its command line.
  const served = cliTarget({ 'state-dir': stateDir }, '', { probeHost: probed(kvm) });
  const routes = webRoutes({ ...served, chooseQemu: readQemuChoice, offers: () => [] }, new NicModelCache(), EXAMPLES);
  const body = JSON.parse(JSON.stringify((await routes['/api/target']!(new URLSearchParams())).body)) as TargetResponse;
  // The page asks /api/nic-models for the pairs it uses that the server had not probed.
  let page: TargetResponse = body;
  for (const pair of machinePairs(topologyOf(text))) {
    const more = (await routes['/api/nic-models']!(new URLSearchParams({ pair }))).body as NicModelsResponse;
    page = withNicModels(page, more.pair, more.models);
  }
  const r = planOf(topologyOf(text), page, {});
  if (!r.ok) throw new Error(r.error);
  return r.plan;
}

/** `qnet compile FILE --json --state-dir DIR`. */
async function cliPlan(path: string, stateDir: string, kvm: KvmProbe): Promise<LabPlan> {
  let out = '';
  const io = { out: (t: string) => void (out += t), err: () => {} };
  await compileCommand([path, '--json', '--state-dir', stateDir], io, { probeHost: probed(kvm) });
  return JSON.parse(out) as LabPlan;
}

/**
 * Every example launched by a real engine in the test's namespace, each with the isolation the page compiled it for
 * (`isolations`, by path): the argv its guests got.
 */
function engineArgv(
  stateDir: string,
  kvm: KvmProbe,
  isolations: ReadonlyMap<string, string>,
): Map<string, { ok: boolean; error?: string; argv: string[][] }> {
  const records = join(stateDir, '..', `${randomBytes(3).toString('hex')}.records`);
  mkdirSync(records);
  const fixture = join(ROOT, 'electron/testkit/launchEach.ts');
  const files = labs.flatMap((l) => [l.path, isolations.get(l.path)!]);
  const args = [kvm.usable ? 'yes' : 'no', guest.kernel, guest.initrd, stateDir, records, ...files];
  const r = spawnSync('ip', ['netns', 'exec', netns, process.execPath, '--import', 'tsx', fixture, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, PATH: `${join(base, 'bin')}:${process.env.PATH ?? ''}`, QNET_STANDIN_RECORD: records },
  });
  const out = new Map<string, { ok: boolean; error?: string; argv: string[][] }>();
  for (const line of r.stdout.split('\n').filter((l) => l.startsWith('{'))) {
    const m = JSON.parse(line) as { file: string; ok: boolean; error?: string; argv: string[][] };
    out.set(m.file, m);
  }
  expect(out.size, `the engine process said:\n${r.stdout}\n${r.stderr}`).toBe(labs.length);
  return out;
}

const byName = (argvs: readonly (readonly string[])[]) => [...argvs].sort((a, b) => (a[2]! < b[2]! ? -1 : 1));
const accels = (plan: LabPlan) => plan.vms.map((v) => `${v.arch}:${v.argv[v.argv.indexOf('-accel') + 1]}`);

describe.each([
  ['as here (KVM unusable)', false],
  ['where KVM is usable', true],
])('this host probed, %s', (_what, usable) => {
  test('the Commands panel, qnet compile --json and the engine start the same argv for every example', async () => {
    const kvm: KvmProbe = {
      usable,
      reason: usable ? 'a test boot under KVM printed its first line' : 'not on this machine',
    };
    const stateDir = join(base, usable ? 'state-kvm' : 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    const pages = new Map<string, LabPlan>();
    for (const lab of labs) pages.set(lab.path, await pagePlan(lab.text, stateDir, kvm));
    const engine = engineArgv(stateDir, kvm, new Map([...pages].map(([path, p]) => [path, p.target.isolation])));
    for (const lab of labs) {
      const page = pages.get(lab.path)!;
      // The default every path shares: a lab that needs no host interface runs in its own user namespace.
      if (lab.file.startsWith('02-')) expect(page.target.isolation, lab.file).toBe('userns');
      if (lab.file.startsWith('03-')) expect(page.target.isolation, lab.file).toBe('host');
      const cli = await cliPlan(lab.path, stateDir, kvm);
      expect(
        cli.vms.map((v) => v.argv),
        `${lab.file}: qnet compile vs the page`,
      ).toEqual(page.vms.map((v) => v.argv));
      expect(cli.hostSteps, `${lab.file}: host steps`).toEqual(page.hostSteps);
      expect(cli.processes, `${lab.file}: processes`).toEqual(page.processes);
      expect(cli.target, `${lab.file}: target`).toEqual(page.target);
      const started = engine.get(lab.path)!;
      expect(started.ok, `${lab.file}: ${started.error}`).toBe(true);
      expect(byName(started.argv), `${lab.file}: the engine vs the page`).toEqual(byName(page.vms.map((v) => v.argv)));
      // The case that once differed: accel auto on a host where KVM works.
      for (const a of accels(page)) if (a.startsWith('x86_64:')) expect(a).toBe(usable ? 'x86_64:kvm' : 'x86_64:tcg');
    }
  }, 300_000);
});
