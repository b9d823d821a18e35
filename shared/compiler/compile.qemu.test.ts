import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { compile } from './index';
import type { LabPlan } from './plan';
import { target, topo } from './testkit';

// Real QEMU: each plan's processes are started in order (VMs paused with -S), must stay up, and must print
// exactly the warnings the compiler predicted (qemuWarning), or the error named for absent external backends.
const base = mkdtempSync(join(tmpdir(), 'qnc-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(25)) if (pred()) return true;
  return pred();
}

interface Run {
  readonly stderr: Map<string, string>;
  readonly exited: Map<string, number | null>;
}

/** Run the plan's host steps (inside its namespace when it has one); returns the undo argv in reverse order. */
function setUp(plan: LabPlan): string[][] {
  const undo: string[][] = [];
  const wrap = (argv: readonly string[], inNetns: boolean) => (inNetns && plan.netns ? ['ip', 'netns', 'exec', plan.netns, ...argv] : [...argv]);
  for (const s of plan.hostSteps) {
    const argv = wrap(s.argv, s.inNetns);
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    if (r.status !== 0) {
      for (const u of undo) spawnSync(u[0]!, u.slice(1));
      throw new Error(`${argv.join(' ')}: ${r.stderr}${r.error ? String(r.error) : ''}`);
    }
    if (s.undo) undo.unshift(wrap(s.undo, s.inNetns));
  }
  return undo;
}

async function run(plan: LabPlan): Promise<Run> {
  mkdirSync(plan.stateDir, { recursive: true });
  const undo = setUp(plan);
  try {
    return await runProcesses(plan);
  } finally {
    for (const argv of undo) spawnSync(argv[0]!, argv.slice(1));
  }
}

async function runProcesses(plan: LabPlan): Promise<Run> {
  const kids: [string, ChildProcess][] = [];
  const stderr = new Map<string, string>();
  const exited = new Map<string, number | null>();
  try {
    for (const p of plan.processes) {
      const own = p.kind === 'vm' ? [...p.argv, '-S'] : [...p.argv];
      const argv = plan.netns ? ['ip', 'netns', 'exec', plan.netns, ...own] : own;
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'pipe'] });
      stderr.set(p.id, '');
      child.stderr!.on('data', (d: Buffer) => stderr.set(p.id, stderr.get(p.id) + d.toString()));
      child.on('exit', (code) => exited.set(p.id, code));
      kids.push([p.id, child]);
      const ready = p.ready;
      if (ready.type === 'qmp') {
        await waitFor(() => existsSync(ready.socket) || exited.has(p.id), 5000);
        if (!exited.has(p.id)) await qmpGreets(ready.socket, 5000);
      }
      else if (ready.type === 'path') await waitFor(() => existsSync(ready.path) || exited.has(p.id), 5000);
      else await sleep(200);
    }
    await sleep(800);
  } finally {
    for (const [, child] of kids) child.kill('SIGTERM');
    await waitFor(() => kids.every(([id]) => exited.has(id)), 3000);
  }
  return { stderr, exited };
}

/** Ready the way the engine means it: the QMP greeting arrives (sent from the main loop, after netdev setup). */
async function qmpGreets(path: string, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection(path);
      const done = (v: boolean) => {
        c.destroy();
        resolve(v);
      };
      c.on('data', (d) => done(d.toString().includes('"QMP"')));
      c.on('error', () => done(false));
      setTimeout(() => done(false), 1000);
    });
    if (ok) return true;
  }
  return false;
}

const warningsOf = (text: string) => [...text.matchAll(/warning: (.*)$/gm)].map((m) => m[1]!).sort();

async function expectClean(plan: LabPlan): Promise<void> {
  expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const r = await run(plan);
  for (const vm of plan.vms) {
    const id = `vm-${vm.node}`;
    const err = r.stderr.get(id) ?? '';
    expect(err, `${vm.node} stderr`).not.toMatch(/qemu-system-[a-z0-9_]+: (?!warning|terminating)/);
    const predicted = plan.diagnostics.filter((d) => d.qemuWarning?.vm === vm.node).map((d) => d.qemuWarning!.text).sort();
    expect(warningsOf(err), `${vm.node} warnings`).toEqual(predicted);
  }
}

let n = 0;
const tg = () => target({ stateDir: join(base, String(n++)), tinyGuest: {} });
const vm = (id: string, nics: string[], more = {}) => ({ kind: 'vm' as const, id, boot: { type: 'none' as const }, nics: nics.map((x) => ({ id: x })), ...more });
type Input = Parameters<typeof topo>[0];
const plan = (input: Input, over = {}) => compile(topo(input), { ...tg(), ...over });

describe('compiled argv against the installed QEMU', () => {
  test('nat with options and hostfwd; an unlinked NIC warns exactly as predicted', async () => {
    await expectClean(
      plan({
        nodes: [vm('a', ['e0', 'e1']), { kind: 'nat', id: 'n', net: '10.7.0.0/24', dnssearch: ['x.test', 'y.test'], restrict: true, ipv6: false, hostfwd: [{ hostPort: 0, guestPort: 22 }] }],
        links: [{ a: 'a:e0', b: 'n' }],
      }),
    );
  });
  test('stream unix and inet, dgram unix and inet, socket, multicast (dgram and socket)', async () => {
    await expectClean(
      plan({
        nodes: [vm('a', ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']), vm('b', ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']), { kind: 'mcast', id: 'm' }, { kind: 'mcast', id: 'm2', port: 1240, transport: 'socket' }],
        links: [
          { a: 'a:e0', b: 'b:e0' },
          { a: 'a:e1', b: 'b:e1', family: 'inet' },
          { a: 'a:e2', b: 'b:e2', transport: 'dgram' },
          { a: 'a:e3', b: 'b:e3', transport: 'dgram', family: 'inet' },
          { a: 'a:e4', b: 'b:e4', transport: 'socket', family: 'inet' },
          { a: 'a:e5', b: 'm' },
          { a: 'b:e5', b: 'm' },
          { a: 'a:e6', b: 'm2' },
          { a: 'b:e6', b: 'm2' },
        ],
      }),
    );
  });
  test('hub with a NAT uplink; an internal hub warns as predicted', async () => {
    await expectClean(
      plan({
        nodes: [vm('a', ['e0', 'e1', 'e2', 'e3']), { kind: 'hub', id: 'h' }, { kind: 'hub', id: 'i' }, { kind: 'nat', id: 'n' }],
        links: [{ a: 'a:e0', b: 'h' }, { a: 'a:e1', b: 'h' }, { a: 'h', b: 'n' }, { a: 'a:e2', b: 'i' }, { a: 'a:e3', b: 'i' }],
      }),
    );
  });
  test('VDE switch with slirpvde, two guests', async () => {
    await expectClean(
      plan({ nodes: [vm('a', ['e0']), vm('b', ['e0']), { kind: 'vde', id: 'sw', slirp: { dhcp: true } }], links: [{ a: 'a:e0', b: 'sw' }, { a: 'b:e0', b: 'sw' }] }),
    );
  });
  test('l2tpv3 over UDP, -nic form, e1000 on pc', async () => {
    await expectClean(
      plan({
        nodes: [
          vm('a', [], { machine: 'pc', nics: [{ id: 'e0', model: 'e1000' }, { id: 'e1', form: 'nic', model: 'rtl8139' }] }),
          { kind: 'l2tpv3', id: 't', src: '127.0.0.1', dst: '127.0.0.1', srcport: 47001, dstport: 47002, txsession: 5, counter: true },
          { kind: 'nat', id: 'n' },
        ],
        links: [{ a: 'a:e0', b: 't' }, { a: 'a:e1', b: 'n' }],
      }),
    );
  });
  test('aarch64 virt with virtio-net-device; microvm with virtio-net-device', async () => {
    await expectClean(plan({ nodes: [vm('a', ['e0'], { arch: 'aarch64' }), vm('m', ['e0'], { machine: 'microvm' }), { kind: 'nat', id: 'n' }], links: [{ a: 'a:e0', b: 'n' }, { a: 'm:e0', b: 'n' }] }));
  });
  test('vhost-user without its backend fails as named; vdpa without its device fails as named', async () => {
    const vu = plan({ nodes: [vm('a', ['e0']), { kind: 'vhost-user', id: 'vu', socket: join(base, 'absent.sock') }], links: [{ a: 'a:e0', b: 'vu' }] });
    expect((await run(vu)).stderr.get('vm-a')).toContain(`Failed to connect to '${join(base, 'absent.sock')}'`);
    const vd = plan({ nodes: [vm('a', ['e0']), { kind: 'vdpa', id: 'd', vhostdev: '/dev/vhost-vdpa-77' }], links: [{ a: 'a:e0', b: 'd' }] });
    expect((await run(vd)).stderr.get('vm-a')).toContain("Could not open '/dev/vhost-vdpa-77'");
  });
  const root = process.getuid?.() === 0;
  // Bridge NAT needs nftables; without it the rest of the bridge setup is still checked.
  const nft = spawnSync('sh', ['-c', 'command -v nft']).status === 0;
  test.skipIf(!root)('root, netns: bridge with address and STP, a tap per NIC, a tap node with owner and multiqueue on it', async () => {
    const p = plan(
      {
        name: 'br-test',
        nodes: [
          vm('a', ['e0', 'e1']),
          vm('b', ['e0']),
          { kind: 'bridge', id: 'br', address: '10.3.0.254/24', stp: true, nat: nft },
          { kind: 'tap', id: 't', owner: 'root', queues: 2 },
        ],
        links: [{ a: 'a:e0', b: 'br' }, { a: 'b:e0', b: 'br' }, { a: 'a:e1', b: 't' }, { a: 't', b: 'br' }],
      },
      { isolation: 'netns' },
    );
    await expectClean(p);
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(p.netns!);
  });
});
