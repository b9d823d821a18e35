import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { compile } from './index';
import type { LabPlan } from './plan';
import { target, topo } from './testkit';
import { predictedWarnings, qemuWarnings, runPaused as run } from '../../electron/testkit/pausedPlan';

// Real QEMU: each plan's processes are started in order (VMs paused with -S), must stay up, and must print
// exactly the warnings the compiler predicted (qemuWarning), or the error named for absent external backends.
const base = mkdtempSync(join(tmpdir(), 'qnc-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function expectClean(plan: LabPlan): Promise<void> {
  expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const r = await run(plan);
  for (const vm of plan.vms) {
    const id = `vm-${vm.node}`;
    const err = r.stderr.get(id) ?? '';
    expect(err, `${vm.node} stderr`).not.toMatch(/qemu-system-[a-z0-9_]+: (?!warning|terminating)/);
    expect(qemuWarnings(err), `${vm.node} warnings`).toEqual(predictedWarnings(plan, vm.node));
  }
}

let n = 0;
const tg = () => target({ stateDir: join(base, String(n++)), tinyGuest: {} });
const vm = (id: string, nics: string[], more = {}) => ({
  kind: 'vm' as const,
  id,
  boot: { type: 'none' as const },
  nics: nics.map((x) => ({ id: x })),
  ...more,
});
type Input = Parameters<typeof topo>[0];
const plan = (input: Input, over = {}) => compile(topo(input), { ...tg(), ...over });

describe('compiled argv against the installed QEMU', () => {
  test('nat with options and hostfwd; an unlinked NIC warns exactly as predicted', async () => {
    await expectClean(
      plan({
        nodes: [
          vm('a', ['e0', 'e1']),
          {
            kind: 'nat',
            id: 'n',
            net: '10.7.0.0/24',
            dnssearch: ['x.test', 'y.test'],
            restrict: true,
            ipv6: false,
            hostfwd: [{ hostPort: 0, guestPort: 22 }],
          },
        ],
        links: [{ a: 'a:e0', b: 'n' }],
      }),
    );
  });
  test('stream unix and inet, dgram unix and inet, socket, multicast (dgram and socket)', async () => {
    await expectClean(
      plan({
        nodes: [
          vm('a', ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']),
          vm('b', ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6']),
          { kind: 'mcast', id: 'm' },
          { kind: 'mcast', id: 'm2', port: 1240, transport: 'socket' },
        ],
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
        nodes: [
          vm('a', ['e0', 'e1', 'e2', 'e3']),
          { kind: 'hub', id: 'h' },
          { kind: 'hub', id: 'i' },
          { kind: 'nat', id: 'n' },
        ],
        links: [
          { a: 'a:e0', b: 'h' },
          { a: 'a:e1', b: 'h' },
          { a: 'h', b: 'n' },
          { a: 'a:e2', b: 'i' },
          { a: 'a:e3', b: 'i' },
        ],
      }),
    );
  });
  test('VDE switch with slirpvde, two guests', async () => {
    await expectClean(
      plan({
        nodes: [vm('a', ['e0']), vm('b', ['e0']), { kind: 'vde', id: 'sw', slirp: { dhcp: true } }],
        links: [
          { a: 'a:e0', b: 'sw' },
          { a: 'b:e0', b: 'sw' },
        ],
      }),
    );
  });
  test('l2tpv3 over UDP, -nic form, e1000 on pc', async () => {
    await expectClean(
      plan({
        nodes: [
          vm('a', [], {
            machine: 'pc',
            nics: [
              { id: 'e0', model: 'e1000' },
              { id: 'e1', form: 'nic', model: 'rtl8139' },
            ],
          }),
          {
            kind: 'l2tpv3',
            id: 't',
            src: '127.0.0.1',
            dst: '127.0.0.1',
            srcport: 47001,
            dstport: 47002,
            txsession: 5,
            counter: true,
          },
          { kind: 'nat', id: 'n' },
        ],
        links: [
          { a: 'a:e0', b: 't' },
          { a: 'a:e1', b: 'n' },
        ],
      }),
    );
  });
  test('aarch64 virt with virtio-net-device; microvm with virtio-net-device', async () => {
    await expectClean(
      plan({
        nodes: [
          vm('a', ['e0'], { arch: 'aarch64' }),
          vm('m', ['e0'], { machine: 'microvm' }),
          { kind: 'nat', id: 'n' },
        ],
        links: [
          { a: 'a:e0', b: 'n' },
          { a: 'm:e0', b: 'n' },
        ],
      }),
    );
  });
  test('vhost-user without its backend fails as named; vdpa without its device fails as named', async () => {
    const vu = plan({
      nodes: [vm('a', ['e0']), { kind: 'vhost-user', id: 'vu', socket: join(base, 'absent.sock') }],
      links: [{ a: 'a:e0', b: 'vu' }],
    });
    expect((await run(vu)).stderr.get('vm-a')).toContain(`Failed to connect to '${join(base, 'absent.sock')}'`);
    const vd = plan({
      nodes: [vm('a', ['e0']), { kind: 'vdpa', id: 'd', vhostdev: '/dev/vhost-vdpa-77' }],
      links: [{ a: 'a:e0', b: 'd' }],
    });
    expect((await run(vd)).stderr.get('vm-a')).toContain("Could not open '/dev/vhost-vdpa-77'");
  });
  test("the audit's NIC shapes: a board's own lan9118 through -nic, usb-net with its controller", async () => {
    const board = plan({
      nodes: [
        vm('a', [], { arch: 'arm', machine: 'vexpress-a9', nics: [{ id: 'e0', model: 'lan9118' }] }),
        { kind: 'nat', id: 'n' },
      ],
      links: [{ a: 'a:e0', b: 'n' }],
    });
    expect(board.diagnostics.map((d) => d.code).sort()).toEqual(['NAT_ICMP', 'NIC_ONBOARD_ONLY']);
    await expectClean(board);
    await expectClean(
      plan({
        nodes: [vm('a', [], { nics: [{ id: 'e0', model: 'usb-net' }] }), { kind: 'nat', id: 'n' }],
        links: [{ a: 'a:e0', b: 'n' }],
      }),
    );
  });
  test('two guests writing one image: refused before launch, and QEMU indeed cannot start the second', async () => {
    const image = join(base, 'shared.raw');
    expect(spawnSync('qemu-img', ['create', '-q', '-f', 'raw', image, '1M']).status).toBe(0);
    const disk = { type: 'disk' as const, images: [{ path: image, format: 'raw' as const, snapshot: false }] };
    const p = plan({
      nodes: [vm('a', ['e0'], { boot: disk }), vm('b', ['e0'], { boot: disk })],
      links: [{ a: 'a:e0', b: 'b:e0', transport: 'dgram' }],
    });
    expect(p.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['DISK_SHARED_WRITE']);
    const r = await run(p);
    expect(r.stderr.get('vm-b')).toContain('Failed to get "write" lock');
  });
  const root = process.getuid?.() === 0;
  // Bridge NAT needs nftables; without it the rest of the bridge setup is still checked.
  const nft = spawnSync('sh', ['-c', 'command -v nft']).status === 0;
  test.skipIf(!root)(
    'root, netns: bridge with address and STP, a tap per NIC, a tap node with owner and multiqueue on it',
    async () => {
      const p = plan(
        {
          name: 'br-test',
          nodes: [
            vm('a', ['e0', 'e1']),
            vm('b', ['e0']),
            { kind: 'bridge', id: 'br', address: '10.3.0.254/24', stp: true, nat: nft },
            { kind: 'tap', id: 't', owner: 'root', queues: 2 },
          ],
          links: [
            { a: 'a:e0', b: 'br' },
            { a: 'b:e0', b: 'br' },
            { a: 'a:e1', b: 't' },
            { a: 't', b: 'br' },
          ],
        },
        { isolation: 'netns' },
      );
      await expectClean(p);
      expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(p.netns!);
    },
  );
});
