import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compile, type LabPlan, type Target } from '../compiler';
import { readOpts } from '../qemuopts';
import { target, topo } from '../compiler/testkit';
import { shellLine } from '../emit/quote';
import type { TopologyInput } from '../model/schema';
import { importQemu, networkEquivalent } from './index';

type NodeIn = NonNullable<TopologyInput['nodes']>[number];
type LinkIn = NonNullable<TopologyInput['links']>[number];

/** Backends a NIC can be wired to; each entry makes a node (a fresh one, or one shared between NICs). */
const BACKENDS: ((k: number) => NodeIn)[] = [
  (k) => ({
    kind: 'nat',
    id: `nat${k}`,
    ...(k % 3 === 0
      ? { restrict: true, hostfwd: [{ hostPort: 30000 + k, guestPort: 22 }], dnssearch: ['a.test', 'b.test'] }
      : {}),
    ...(k % 4 === 1 ? { ipv6: false, options: { 'tftp-server-name': 'tftp.test' } } : {}),
  }),
  (k) => ({
    kind: 'tap',
    id: `tap${k}`,
    ...(k % 2 ? { ifname: `tp${k}` } : {}),
    ...(k % 3 === 2 ? { options: { sndbuf: 1048576 } } : {}),
  }),
  (k) => ({
    kind: 'mcast',
    id: `mc${k}`,
    group: `230.0.0.${k + 1}`,
    port: 1234 + k,
    transport: k % 2 ? 'socket' : 'dgram',
  }),
  (k) => ({
    kind: 'l2tpv3',
    id: `lt${k}`,
    src: '127.0.0.1',
    dst: '127.0.0.1',
    srcport: 47000 + 2 * k,
    dstport: 47001 + 2 * k,
    txsession: k + 1,
    counter: k % 2 === 0,
  }),
  (k) => ({ kind: 'vdpa', id: `vd${k}`, vhostdev: `/dev/vhost-vdpa-${k}` }),
  (k) => ({ kind: 'vhost-user', id: `vu${k}`, socket: `/tmp/vu${k}.sock`, mode: k % 2 ? 'server' : 'client' }),
  (k) => ({
    kind: 'netdev',
    id: `pa${k}`,
    type: 'passt',
    options: { 'tcp-ports': String(10000 + k), param: ['--trace', `--log=x${k}`] },
  }),
  (k) => ({ kind: 'bridge', id: `br${k}`, ...(k % 2 ? { ifname: `qbr${k}`, external: true } : {}) }),
  (k) => ({ kind: 'vde', id: `sw${k}` }),
];
const VHOST = new Set(['vdpa', 'vhost-user']);

/** A random lab of VMs whose NICs reach every kind of backend, hubs, and other VMs' NICs over every transport. */
const arbLab = fc
  .record({
    vms: fc.array(
      fc.record({
        arm: fc.boolean(),
        nics: fc.array(
          fc.record({ model: fc.constantFrom('virtio', 'e1000', 'rtl8139'), nic: fc.boolean(), mtu: fc.boolean() }),
          { maxLength: 4 },
        ),
        boot: fc.constantFrom('tiny', 'kernel', 'none', 'cdrom'),
        extra: fc.boolean(),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    wires: fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 12 }),
        fc.constantFrom('stream', 'dgram', 'socket', 'socket-udp', 'auto'),
        fc.constantFrom('unix', 'inet'),
        fc.boolean(),
      ),
      { maxLength: 14 },
    ),
  })
  .map(({ vms, wires }) => {
    const nodes: NodeIn[] = [];
    const nics: { vm: string; nic: string; virtio: boolean }[] = [];
    vms.forEach((v, i) => {
      const id = `vm${i}`;
      const list = v.nics.map((n, j) => {
        nics.push({ vm: id, nic: `eth${j}`, virtio: n.model === 'virtio' });
        return {
          id: `eth${j}`,
          model: n.model,
          form: n.nic && !n.mtu ? ('nic' as const) : ('device' as const),
          ...(n.mtu && n.model === 'virtio' ? { properties: { host_mtu: 1400, bus: 'pcie.0' } } : {}),
        };
      });
      const boot =
        v.boot === 'kernel'
          ? {
              type: 'kernel' as const,
              kernel: '/boot/vmlinuz',
              initrd: '/boot/initrd.img',
              append: 'console=ttyS0 quiet',
            }
          : v.boot === 'cdrom'
            ? { type: 'cdrom' as const, path: '/srv/live.iso' }
            : { type: v.boot };
      nodes.push({
        kind: 'vm',
        id,
        ...(v.arm ? { arch: 'aarch64' as const } : {}),
        boot,
        nics: list,
        ...(v.extra ? { extraArgs: ['-rtc', 'base=utc', '-no-reboot'] } : {}),
      });
    });
    const links: LinkIn[] = [];
    const used = new Set<number>();
    let k = 0;
    const hubs = new Map<string, string>();
    for (const [x, y, what, transport, family, share] of wires) {
      if (nics.length === 0) break;
      const i = x % nics.length;
      if (used.has(i)) continue;
      const from = nics[i]!;
      if (what === 0) {
        // Another VM's NIC.
        const j = y % nics.length;
        if (used.has(j) || nics[j]!.vm === from.vm) continue;
        used.add(i).add(j);
        links.push({ a: `${from.vm}:${from.nic}`, b: `${nics[j]!.vm}:${nics[j]!.nic}`, transport, family });
      } else if (what === 1) {
        // A hub of this VM, with a NAT uplink the first time.
        let hub = hubs.get(from.vm);
        if (!hub) {
          hub = `hub${hubs.size}`;
          hubs.set(from.vm, hub);
          nodes.push({ kind: 'hub', id: hub }, { kind: 'nat', id: `up${hubs.size}` });
          links.push({ a: hub, b: `up${hubs.size}` });
        }
        used.add(i);
        links.push({ a: `${from.vm}:${from.nic}`, b: hub });
      } else {
        const make = BACKENDS[(what - 2) % BACKENDS.length]!;
        const probe = make(0);
        if (VHOST.has(probe.kind) && !from.virtio) continue;
        // Switches, segments and bridges may be shared by several NICs; the rest get a node each.
        const shared = share && ['mcast', 'bridge', 'vde'].includes(probe.kind);
        const node = shared ? make(100 + what) : make(k++);
        if (!nodes.some((n) => n.id === node.id)) nodes.push(node);
        used.add(i);
        links.push({ a: `${from.vm}:${from.nic}`, b: node.id });
      }
    }
    return topo({ name: 'rt', nodes, links });
  });

/** The argv with its id strings renamed by first appearance: what "the same argv" means when ids may differ. */
function alpha(argv: readonly string[]): string[] {
  const names = new Map<string, string>();
  const ren = (v: string) => names.get(v) ?? (names.set(v, `#${names.size}`), `#${names.size - 1}`);
  return argv.map((w, i) => {
    const opt = argv[i - 1] ?? '';
    if (['-netdev', '-device', '-chardev', '-object', '-nic', '-machine'].includes(opt)) {
      return readOpts(w, 'type')
        .map((o) =>
          ['id', 'netdev', 'chardev', 'memory-backend'].includes(o.key)
            ? `${o.key}=${ren(o.value)}`
            : `${o.key}=${o.value}`,
        )
        .join(',');
    }
    return opt === '-serial' && w.startsWith('chardev:') ? `chardev:${ren(w.slice(8))}` : w;
  });
}

function roundTrip(plan: LabPlan, tg: Target): LabPlan {
  const text = plan.vms.map((v) => shellLine(v.argv)).join('\n');
  const r = importQemu(text, { name: 'rt' });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(r.topology).not.toBeNull();
  return compile(r.topology!, tg);
}

const TARGETS: Target[] = [
  target(),
  target({ qemuVersion: { major: 10, minor: 1 }, privilege: 'helper' }),
  target({ qemuVersion: { major: 6, minor: 2 }, isolation: 'netns' }),
];

describe('compile ∘ import ∘ compile = compile', () => {
  test('every VM gets the same argv back, ids aside; networking the same by networkEquivalent', () => {
    fc.assert(
      fc.property(arbLab, fc.constantFrom(...TARGETS), (t, tg) => {
        const first = compile(t, tg);
        const again = roundTrip(first, tg);
        expect(again.vms.map((v) => v.node)).toEqual(first.vms.map((v) => v.node));
        first.vms.forEach((v, i) => {
          const w = again.vms[i]!;
          expect(alpha(w.argv)).toEqual(alpha(v.argv));
          expect(networkEquivalent(v.argv, w.argv)).toEqual({ equivalent: true, differences: [] });
        });
      }),
      { numRuns: 300 },
    );
  });
});
