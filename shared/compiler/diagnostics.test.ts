import { describe, expect, test } from 'vitest';
import { compile } from './index';
import { COMPILER_CODES } from './diagnostics';
import type { LabPlan, VmPlan } from './plan';
import type { Diagnostic } from '../diagnostics';
import { unpeeredNetdevs } from './selfcheck';
import { target, topo, valuesOf } from './testkit';
import type { Topology } from '../model/schema';
import { loadTopology } from '../model/load';

type Nodes = Parameters<typeof topo>[0]['nodes'];
type Links = Parameters<typeof topo>[0]['links'];
const lab = (nodes: Nodes, links: Links = [], over = {}) => compile(topo({ nodes, links }), target(over));
const vm = (id: string, nics = ['e0'], more = {}) => ({
  kind: 'vm' as const,
  id,
  nics: nics.map((n) => ({ id: n })),
  ...more,
});
const only = (p: LabPlan, code: string): Diagnostic => {
  const found = p.diagnostics.filter((d) => d.code === code);
  expect(found, `${code} in ${p.diagnostics.map((d) => d.code).join(',')}`).toHaveLength(1);
  return found[0]!;
};
const none = (p: LabPlan, code: string) => expect(p.diagnostics.map((d) => d.code)).not.toContain(code);

const tested = new Set<string>();
const it = (code: keyof typeof COMPILER_CODES, fn: () => void) => {
  tested.add(code);
  test(code, fn);
};

describe('compiler diagnostics', () => {
  it('NIC_NO_PEER', () => {
    const p = lab([vm('v')]);
    const d = only(p, 'NIC_NO_PEER');
    expect(d).toMatchObject({
      severity: 'warning',
      nodes: ['v'],
      qemuWarning: { vm: 'v', text: 'nic nic-e0 has no peer' },
    });
    expect(valuesOf(p.vms[0]!.argv, '-device')[0]).toMatch(/^virtio-net-pci,id=nic-e0,mac=/);
    expect(p.vms[0]!.argv).not.toContain('-netdev');
  });
  it('HUB_NO_NICS', () => {
    const p = lab(
      [
        { kind: 'hub', id: 'h' },
        { kind: 'nat', id: 'n' },
      ],
      [{ a: 'h', b: 'n' }],
    );
    expect(only(p, 'HUB_NO_NICS')).toMatchObject({ severity: 'warning', nodes: ['h'] });
  });
  it('HUB_NO_HOST_NETWORK', () => {
    const p = lab(
      [vm('v', ['e0', 'e1']), { kind: 'hub', id: 'h' }],
      [
        { a: 'v:e0', b: 'h' },
        { a: 'v:e1', b: 'h' },
      ],
    );
    expect(only(p, 'HUB_NO_HOST_NETWORK')).toMatchObject({
      severity: 'info',
      qemuWarning: { vm: 'v', text: 'hub 0 is not connected to host network' },
    });
    // l2tpv3 is not "host network" for QEMU's check either.
    const q = lab(
      [
        vm('v'),
        { kind: 'hub', id: 'h' },
        { kind: 'l2tpv3', id: 't', src: '1.1.1.1', dst: '2.2.2.2', srcport: 1, dstport: 2, txsession: 1 },
      ],
      [
        { a: 'v:e0', b: 'h' },
        { a: 'h', b: 't' },
      ],
    );
    only(q, 'HUB_NO_HOST_NETWORK');
  });
  it('HUB_SPANS_VMS', () => {
    const p = lab(
      [vm('a'), vm('b'), { kind: 'hub', id: 'h' }, { kind: 'nat', id: 'n' }],
      [
        { a: 'a:e0', b: 'h' },
        { a: 'b:e0', b: 'h' },
        { a: 'h', b: 'n' },
      ],
    );
    const d = only(p, 'HUB_SPANS_VMS');
    expect(d).toMatchObject({
      severity: 'error',
      fix: { label: 'Make h a VDE switch', action: { kind: 'convert-node', node: 'h', toKind: 'vde' } },
    });
    expect(d.alternatives).toEqual([
      { label: 'Make h a multicast segment', action: { kind: 'convert-node', node: 'h', toKind: 'mcast' } },
    ]);
    // Either conversion joins the two VMs.
    for (const kind of ['vde', 'mcast'] as const) {
      const q = lab(
        [vm('a'), vm('b'), { kind, id: 'h' }],
        [
          { a: 'a:e0', b: 'h' },
          { a: 'b:e0', b: 'h' },
        ],
      );
      expect(q.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
      for (const v of q.vms) expect(valuesOf(v.argv, '-netdev')).toHaveLength(1);
    }
    expect(d.nodes).toEqual(['h', 'a', 'b']);
    none(p, 'NETDEV_NO_PEER');
  });
  it('NETDEV_NO_PEER', () => {
    const plan = {
      name: 'v',
      node: 'v',
      argv: ['q', '-netdev', 'user,id=u9', '-netdev', 'user,id=u1', '-device', 'e1000,netdev=u1'],
      console: '',
      consoleLog: '',
      qmp: '',
      pidfile: '',
    } satisfies Partial<VmPlan>;
    expect(unpeeredNetdevs([plan])).toEqual([
      expect.objectContaining({ code: 'NETDEV_NO_PEER', qemuWarning: { vm: 'v', text: 'netdev u9 has no peer' } }),
    ]);
  });
  it('VHOST_NET_MISSING', () => {
    const nodes: Nodes = [vm('v'), { kind: 'tap', id: 't', vhost: true }];
    const links: Links = [{ a: 'v:e0', b: 't' }];
    const p = lab(nodes, links, { vhostNet: false });
    expect(only(p, 'VHOST_NET_MISSING')).toMatchObject({
      severity: 'error',
      nodes: ['t'],
      fix: { action: { kind: 'set-field', path: ['vhost'], value: false } },
    });
    expect(p.vms[0]!.argv.join(' ')).not.toContain('vhost=on');
    const q = lab(nodes, links, { vhostNet: true });
    none(q, 'VHOST_NET_MISSING');
    expect(q.vms[0]!.argv.join(' ')).toContain('vhost=on');
  });
  it('SHAPING_NOT_TAP', () => {
    const p = lab([vm('a'), vm('b')], [{ id: 'w', a: 'a:e0', b: 'b:e0', shaping: { rate: '1mbit' } }]);
    expect(only(p, 'SHAPING_NOT_TAP')).toMatchObject({
      severity: 'error',
      links: ['w'],
      path: ['links', 0, 'shaping'],
    });
    none(lab([vm('a'), vm('b')], [{ id: 'w', a: 'a:e0', b: 'b:e0' }]), 'SHAPING_NOT_TAP');
    none(
      lab([vm('a'), { kind: 'bridge', id: 'br' }], [{ a: 'a:e0', b: 'br', shaping: { rate: '1mbit' } }]),
      'SHAPING_NOT_TAP',
    );
  });
  it('NETEM_MISSING', () => {
    const nodes: Nodes = [vm('a'), { kind: 'bridge', id: 'br' }];
    const links: Links = [{ id: 'l', a: 'a:e0', b: 'br', shaping: { loss: 2 } }];
    expect(only(lab(nodes, links, { netem: false }), 'NETEM_MISSING').message).toContain('module sch_netem');
    none(lab(nodes, links), 'NETEM_MISSING');
    none(lab(nodes, [{ id: 'l', a: 'a:e0', b: 'br', shaping: { rate: '1mbit' } }], { netem: false }), 'NETEM_MISSING');
  });
  it('SHAPING_ONE_WAY', () => {
    const nodes: Nodes = [vm('a'), { kind: 'bridge', id: 'br' }];
    const links: Links = [{ id: 'l', a: 'a:e0', b: 'br', shaping: { rate: '1mbit' } }];
    expect(only(lab(nodes, links, { ifb: false }), 'SHAPING_ONE_WAY')).toMatchObject({
      severity: 'warning',
      links: ['l'],
      path: ['links', 0, 'shaping'],
    });
    none(lab(nodes, links), 'SHAPING_ONE_WAY');
    none(lab(nodes, [{ id: 'l', a: 'a:e0', b: 'br' }], { ifb: false }), 'SHAPING_ONE_WAY');
  });
  it('NIC_MODEL_UNKNOWN', () => {
    const models = { 'x86_64/q35': ['e1000', 'e1000e', 'rtl8139', 'virtio-net-pci'] };
    const p = lab([vm('v', ['e0'], { nics: [{ id: 'e0', model: 'ne2k_isa' }] })], [], { nicModels: models });
    const d = only(p, 'NIC_MODEL_UNKNOWN');
    expect(d).toMatchObject({
      severity: 'error',
      nodes: ['v'],
      path: ['nodes', 0, 'nics', 0, 'model'],
      fix: { action: { kind: 'set-field', value: 'virtio' } },
    });
    expect(d.message).toContain('ne2k_isa');
    none(
      lab([vm('v', ['e0'], { nics: [{ id: 'e0', model: 'rtl8139' }] })], [], { nicModels: models }),
      'NIC_MODEL_UNKNOWN',
    );
    // Unknown list (no probe): any model is accepted.
    none(lab([vm('v', ['e0'], { nics: [{ id: 'e0', model: 'ne2k_isa' }] })]), 'NIC_MODEL_UNKNOWN');
  });
  it('DUPLICATE_MAC', () => {
    const p = lab([
      { kind: 'vm', id: 'a', nics: [{ id: 'e0', mac: '52:54:00:00:00:01' }] },
      { kind: 'vm', id: 'b', nics: [{ id: 'e0', mac: '52:54:00:00:00:01' }] },
    ]);
    expect(only(p, 'DUPLICATE_MAC')).toMatchObject({
      severity: 'error',
      nodes: ['a', 'b'],
      path: ['nodes', 1, 'nics', 0, 'mac'],
      fix: { action: { kind: 'set-field', node: 'b', path: ['nics', 0, 'mac'], value: 'auto' } },
    });
  });
  it('MAC_MULTICAST', () => {
    only(lab([{ kind: 'vm', id: 'a', nics: [{ id: 'e0', mac: '53:54:00:00:00:01' }] }]), 'MAC_MULTICAST');
    const p = compile(topo({ nodes: [vm('a')], settings: { macPrefix: '01:00:5e' } }), target());
    expect(only(p, 'MAC_MULTICAST').path).toEqual(['settings', 'macPrefix']);
  });
  it('MAC_INVALID', () => {
    only(lab([{ kind: 'vm', id: 'a', nics: [{ id: 'e0', mac: '00:00:00:00:00:00' }] }]), 'MAC_INVALID');
  });
  it('IFNAME_TOO_LONG', () => {
    // The schema already refuses long names; a topology built in code can still carry one.
    const t = topo({ nodes: [vm('v'), { kind: 'bridge', id: 'br' }], links: [{ a: 'v:e0', b: 'br' }] });
    const bad = {
      ...t,
      nodes: t.nodes.map((n) => (n.kind === 'bridge' ? { ...n, ifname: 'bridge-name-too-long' } : n)),
    } as Topology;
    expect(only(compile(bad, target()), 'IFNAME_TOO_LONG').nodes).toEqual(['br']);
  });
  it('DUPLICATE_IFNAME', () => {
    const p = lab(
      [vm('v', ['e0', 'e1']), { kind: 'bridge', id: 'b1', ifname: 'br0' }, { kind: 'bridge', id: 'b2', ifname: 'br0' }],
      [
        { a: 'v:e0', b: 'b1' },
        { a: 'v:e1', b: 'b2' },
      ],
    );
    expect(only(p, 'DUPLICATE_IFNAME').nodes).toEqual(['b1', 'b2']);
  });
  it('SOCKET_PATH_TOO_LONG', () => {
    const long = `/home/${'x'.repeat(90)}`;
    const p = lab([vm('v')], [], { stateDir: long, shortStateDir: '/run/user/1000/qn' });
    const d = p.diagnostics.filter((x) => x.code === 'SOCKET_PATH_TOO_LONG');
    expect(d.length).toBeGreaterThanOrEqual(2);
    // The user's own short directory, never a shared one such as /tmp/qn (another user could make it first).
    expect(d[0]!.fix).toEqual({
      label: 'Use the shorter state directory /run/user/1000/qn (your own)',
      action: { kind: 'set-target', field: 'stateDir', value: '/run/user/1000/qn' },
    });
    // Without one (or when it would not fit either), advice and no action.
    for (const over of [{}, { shortStateDir: `/home/${'y'.repeat(95)}` }]) {
      const fix = lab([vm('v')], [], { stateDir: long, ...over }).diagnostics.find(
        (x) => x.code === 'SOCKET_PATH_TOO_LONG',
      )!.fix!;
      expect(fix).toEqual({
        label:
          'Use a shorter state directory of your own (--state-dir DIR, not a shared one like /tmp), or shorter lab and node names',
      });
    }
    const q = lab(
      [vm('v'), { kind: 'vhost-user', id: 'vu', socket: `/run/${'y'.repeat(110)}` }],
      [{ a: 'v:e0', b: 'vu' }],
    );
    expect(only(q, 'SOCKET_PATH_TOO_LONG').nodes).toEqual(['vu']);
  });
  it('PORT_CLASH', () => {
    const p = lab(
      [vm('a'), vm('b'), { kind: 'nat', id: 'n', hostfwd: [{ hostPort: 2222, guestPort: 22 }] }],
      [
        { a: 'a:e0', b: 'n' },
        { a: 'b:e0', b: 'n' },
      ],
    );
    expect(only(p, 'PORT_CLASH').message).toContain('tcp port 2222');
    const q = lab(
      [
        vm('a', ['e0', 'e1']),
        vm('b', ['e0', 'e1']),
        { kind: 'nat', id: 'n', hostfwd: [{ hostPort: 41000, guestPort: 22 }] },
      ],
      [
        { a: 'a:e0', b: 'n' },
        { a: 'a:e1', b: 'b:e1', family: 'inet', port: 41000 },
      ],
    );
    only(q, 'PORT_CLASH');
    // A multicast group port is shared on purpose.
    none(
      lab(
        [vm('a'), vm('b'), { kind: 'mcast', id: 'm' }],
        [
          { a: 'a:e0', b: 'm' },
          { a: 'b:e0', b: 'm' },
        ],
      ),
      'PORT_CLASH',
    );
  });
  it('PORT_EXHAUSTED', () => {
    const nodes: Nodes = [];
    const links: Links = [];
    for (let i = 0; i < 40; i++) {
      nodes.push(vm(`a${i}`), vm(`b${i}`));
      links.push({ a: `a${i}:e0`, b: `b${i}:e0`, family: 'inet' });
    }
    const p = compile(topo({ nodes, links, settings: { portBase: 60000 } }), target());
    none(p, 'PORT_EXHAUSTED');
    const q = compile({ ...topo({ nodes, links }), settings: { portBase: 65520, macPrefix: '52:54:00' } }, target());
    expect(q.diagnostics.some((d) => d.code === 'PORT_EXHAUSTED')).toBe(true);
  });
  it('BACKEND_MISSING', () => {
    const p = lab([vm('v'), { kind: 'vde', id: 'sw' }], [{ a: 'v:e0', b: 'sw' }], {
      netdevBackends: ['user', 'tap', 'socket', 'stream', 'dgram'],
    });
    expect(only(p, 'BACKEND_MISSING')).toMatchObject({ severity: 'error', nodes: ['sw'] });
    expect(only(p, 'BACKEND_MISSING').message).toContain('vde');
    none(lab([vm('v'), { kind: 'vde', id: 'sw' }], [{ a: 'v:e0', b: 'sw' }]), 'BACKEND_MISSING');
  });
  it('STREAM_UNSUPPORTED_QEMU', () => {
    const p = lab([vm('a'), vm('b')], [{ id: 'ab', a: 'a:e0', b: 'b:e0', transport: 'stream' }], {
      qemuVersion: { major: 7, minor: 1 },
    });
    expect(only(p, 'STREAM_UNSUPPORTED_QEMU')).toMatchObject({
      links: ['ab'],
      fix: { action: { kind: 'set-field', on: 'link', node: 'ab', path: ['transport'], value: 'socket' } },
    });
    expect(valuesOf(p.vms[0]!.argv, '-netdev')[0]).toMatch(/^socket,/);
    only(
      lab([vm('a'), { kind: 'mcast', id: 'm', transport: 'dgram' }], [{ a: 'a:e0', b: 'm' }], {
        qemuVersion: { major: 6, minor: 2 },
      }),
      'STREAM_UNSUPPORTED_QEMU',
    );
  });
  it('DGRAM_AS_SOCKET_UDP', () => {
    const p = lab([vm('a'), vm('b')], [{ id: 'ab', a: 'a:e0', b: 'b:e0', transport: 'dgram' }], {
      qemuVersion: { major: 7, minor: 1 },
    });
    expect(only(p, 'DGRAM_AS_SOCKET_UDP')).toMatchObject({ severity: 'info', links: ['ab'], nodes: ['a', 'b'] });
    expect(only(p, 'DGRAM_AS_SOCKET_UDP').message).toContain('socket udp= pair on 127.0.0.1 instead of unix sockets');
    none(p, 'STREAM_UNSUPPORTED_QEMU');
    none(p, 'SOCKET_FAMILY_UNIX');
    none(lab([vm('a'), vm('b')], [{ a: 'a:e0', b: 'b:e0', transport: 'dgram' }]), 'DGRAM_AS_SOCKET_UDP');
  });
  it('SOCKET_FAMILY_UNIX', () => {
    const p = lab([vm('a'), vm('b')], [{ a: 'a:e0', b: 'b:e0', transport: 'socket', family: 'unix' }]);
    expect(only(p, 'SOCKET_FAMILY_UNIX').severity).toBe('warning');
    expect(valuesOf(p.vms[0]!.argv, '-netdev')[0]).toMatch(/^socket,id=net-e0,listen=127\.0\.0\.1:\d+$/);
  });
  it('NIC_FORM_UNSUPPORTED', () => {
    const p = lab([{ kind: 'vm', id: 'a', nics: [{ id: 'e0', form: 'nic' }] }, vm('b')], [{ a: 'a:e0', b: 'b:e0' }]);
    expect(only(p, 'NIC_FORM_UNSUPPORTED').nodes).toEqual(['a']);
    expect(p.vms[0]!.argv).not.toContain('-nic');
    only(
      lab(
        [
          { kind: 'vm', id: 'a', arch: 'aarch64', nics: [{ id: 'e0', form: 'nic' }] },
          { kind: 'nat', id: 'n' },
        ],
        [{ a: 'a:e0', b: 'n' }],
      ),
      'NIC_FORM_UNSUPPORTED',
    );
  });
  it('VHOST_NON_VIRTIO', () => {
    const p = lab(
      [
        { kind: 'vm', id: 'a', nics: [{ id: 'e0', model: 'e1000' }] },
        { kind: 'vhost-user', id: 'vu', socket: '/run/vu.sock' },
      ],
      [{ a: 'a:e0', b: 'vu' }],
    );
    expect(only(p, 'VHOST_NON_VIRTIO').fix!.action).toEqual({
      kind: 'set-field',
      node: 'a',
      path: ['nics', 0, 'model'],
      value: 'virtio',
    });
    only(
      lab(
        [
          { kind: 'vm', id: 'a', nics: [{ id: 'e0', model: 'rtl8139' }] },
          { kind: 'tap', id: 't', vhost: true },
        ],
        [{ a: 'a:e0', b: 't' }],
      ),
      'VHOST_NON_VIRTIO',
    );
    only(
      lab(
        [
          { kind: 'vm', id: 'a', nics: [{ id: 'e0', model: 'e1000' }] },
          { kind: 'vdpa', id: 'd' },
        ],
        [{ a: 'a:e0', b: 'd' }],
      ),
      'VHOST_NON_VIRTIO',
    );
  });
  it('PCI_NIC_NO_PCI', () => {
    const p = lab(
      [
        { kind: 'vm', id: 'a', machine: 'microvm', nics: [{ id: 'e0', model: 'e1000' }] },
        { kind: 'nat', id: 'n' },
      ],
      [{ a: 'a:e0', b: 'n' }],
    );
    expect(only(p, 'PCI_NIC_NO_PCI').fix!.label).toBe('Make a:e0 a virtio NIC');
    none(
      lab([{ kind: 'vm', id: 'a', machine: 'microvm,pcie=on', nics: [{ id: 'e0', model: 'e1000' }] }]),
      'PCI_NIC_NO_PCI',
    );
  });
  it('MMIO_NIC_NO_MMIO', () => {
    only(lab([{ kind: 'vm', id: 'a', nics: [{ id: 'e0', model: 'virtio-net-device' }] }]), 'MMIO_NIC_NO_MMIO');
  });
  it('MCAST_GROUP_SHARED', () => {
    const seg = (id: string, group = '230.0.0.1') => ({ kind: 'mcast' as const, id, group });
    const p = lab(
      [vm('a'), vm('b'), seg('s1'), seg('s2')],
      [
        { a: 'a:e0', b: 's1' },
        { a: 'b:e0', b: 's2' },
      ],
    );
    const d = only(p, 'MCAST_GROUP_SHARED');
    expect(d.nodes).toEqual(['s1', 's2']);
    expect(d.fix!.action).toEqual({ kind: 'set-field', node: 's2', path: ['group'], value: '230.0.0.2' });
    none(
      lab(
        [vm('a'), vm('b'), seg('s1'), seg('s2', '230.0.0.9')],
        [
          { a: 'a:e0', b: 's1' },
          { a: 'b:e0', b: 's2' },
        ],
      ),
      'MCAST_GROUP_SHARED',
    );
  });
  it('WIRELESS_UPLINK', () => {
    const p = lab(
      [
        { kind: 'bridge', id: 'br' },
        { kind: 'host', id: 'h', interfaces: [{ name: 'wlan0', wireless: true }] },
      ],
      [{ a: 'br', b: 'h:wlan0' }],
    );
    expect(only(p, 'WIRELESS_UPLINK').nodes).toEqual(['br', 'h']);
    expect(p.hostSteps.some((s) => s.argv.includes('wlan0'))).toBe(false);
    // The file says wired, this machine knows better: still refused; what was discovered stays out of the plan.
    const hostInterfaces = [{ name: 'wlp2s0', wireless: true, addresses: ['192.168.1.9/24'] }];
    const q = lab(
      [
        { kind: 'bridge', id: 'br' },
        { kind: 'host', id: 'h', interfaces: [{ name: 'wlp2s0' }] },
      ],
      [{ a: 'br', b: 'h:wlp2s0' }],
      { hostInterfaces },
    );
    expect(only(q, 'WIRELESS_UPLINK').message).toContain(
      'wlp2s0 on h is a wireless interface (found so on this machine)',
    );
    expect(q.target).not.toHaveProperty('hostInterfaces');
    none(
      lab(
        [
          { kind: 'bridge', id: 'br' },
          { kind: 'host', id: 'h', interfaces: [{ name: 'eth0' }] },
        ],
        [{ a: 'br', b: 'h:eth0' }],
        { hostInterfaces },
      ),
      'WIRELESS_UPLINK',
    );
  });
  it('UPLINK_IN_NETNS', () => {
    const p = lab(
      [
        { kind: 'bridge', id: 'br' },
        { kind: 'host', id: 'h', interfaces: [{ name: 'eth0' }] },
      ],
      [{ a: 'br', b: 'h:eth0' }],
      { isolation: 'netns' },
    );
    only(p, 'UPLINK_IN_NETNS');
    expect(p.hostSteps.some((s) => s.argv.includes('eth0'))).toBe(false);
  });
  it('EXTERNAL_BRIDGE_IN_NETNS', () => {
    const p = lab([vm('v'), { kind: 'bridge', id: 'br', ifname: 'br0', external: true }], [{ a: 'v:e0', b: 'br' }], {
      isolation: 'netns',
    });
    expect(only(p, 'EXTERNAL_BRIDGE_IN_NETNS').fix!.action).toEqual({
      kind: 'set-field',
      node: 'br',
      path: ['external'],
      value: false,
    });
    none(
      lab([vm('v'), { kind: 'bridge', id: 'br', ifname: 'br0', external: true }], [{ a: 'v:e0', b: 'br' }]),
      'EXTERNAL_BRIDGE_IN_NETNS',
    );
  });
  it('BRIDGE_NAT_NO_ADDRESS', () => {
    only(lab([vm('v'), { kind: 'bridge', id: 'br', nat: true }], [{ a: 'v:e0', b: 'br' }]), 'BRIDGE_NAT_NO_ADDRESS');
  });
  it('BRIDGE_HOSTFWD', () => {
    const nodes = (bridge: object, fwd: object) => [
      vm('v', ['e0'], { nics: [{ id: 'e0', ip: '10.0.9.2/24' }] }),
      {
        kind: 'bridge' as const,
        id: 'br',
        address: '10.0.9.254/24',
        ...bridge,
        hostfwd: [{ hostPort: 8080, guestPort: 80, guestAddr: '10.0.9.2', ...fwd }],
      },
    ];
    const userns = { isolation: 'userns' as const, privilege: 'user' as const };
    const of = (bridge: object, fwd: object = {}) =>
      only(lab(nodes(bridge, fwd), [{ a: 'v:e0', b: 'br' }], userns), 'BRIDGE_HOSTFWD');
    expect(of({ address: undefined }).message).toBe(
      "br: hostfwd tcp 127.0.0.1:8080 -> 10.0.9.2:80: the bridge needs an address in the guest's network: connections reach the guest from it",
    );
    expect(of({}, { guestAddr: '10.0.8.2' }).message).toMatch(
      /10\.0\.8\.2 is outside the bridge's network \(10\.0\.9\.254\/24\)$/,
    );
    expect(of({}, { guestAddr: '10.0.9.3' })).toMatchObject({
      message: expect.stringMatching(/no guest on br has the address 10\.0\.9\.3 \(a NIC's ip\)$/),
      path: ['nodes', 1, 'hostfwd', 0, 'guestAddr'],
    });
    expect(of({}, { hostPort: 0 }).message).toMatch(/give it a host port$/);
    none(lab(nodes({}, {}), [{ a: 'v:e0', b: 'br' }], userns), 'BRIDGE_HOSTFWD');
  });
  it('BRIDGE_HOSTFWD_ROOTLESS', () => {
    const p = lab(
      [
        vm('v', ['e0'], { nics: [{ id: 'e0', ip: '10.0.9.2/24' }] }),
        {
          kind: 'bridge',
          id: 'br',
          address: '10.0.9.254/24',
          hostfwd: [{ hostPort: 8080, guestPort: 80, guestAddr: '10.0.9.2' }],
        },
      ],
      [{ a: 'v:e0', b: 'br' }],
      { isolation: 'host', privilege: 'root' },
    );
    expect(only(p, 'BRIDGE_HOSTFWD_ROOTLESS').message).toBe(
      "br: its hostfwd is made only in a lab of its own namespace (isolation userns or netns); on the host's network (isolation host) nothing is published, as that would change the host's own firewall: reach the guest at its address on br, or run the lab rootless",
    );
    expect(only(p, 'BRIDGE_HOSTFWD_ROOTLESS').fix!.action).toEqual({
      kind: 'set-target',
      field: 'isolation',
      value: 'userns',
    });
    expect(p.vms[0]!.ports).toEqual([]);
    expect(p.processes.map((x) => x.kind)).not.toContain('pasta');
  });
  it('PASTA_NET_OVERLAP', () => {
    const userns = { isolation: 'userns' as const, privilege: 'user' as const };
    // A rootless lab whose NAT node n has a way out (pasta's --config-net), a bridge and a VM-to-VM inet link.
    const of = (address: string, host: string, over: object = userns, nat: object = {}) =>
      lab(
        [
          vm('v', ['e0', 'e1', 'e2'], { nics: [{ id: 'e0' }, { id: 'e1', ip: '10.0.9.2/24' }, { id: 'e2' }] }),
          vm('w'),
          { kind: 'nat', id: 'n', ...nat },
          { kind: 'bridge', id: 'br', address },
        ],
        [
          { a: 'v:e0', b: 'n' },
          { a: 'v:e1', b: 'br' },
          { id: 'vw', a: 'v:e2', b: 'w:e0', family: 'inet', port: 41000, host },
        ],
        over,
      );
    const found = (p: LabPlan) => p.diagnostics.filter((d) => d.code === 'PASTA_NET_OVERLAP');
    expect(found(of('10.0.9.254/24', '127.0.0.1'))).toEqual([]);
    // Next to the /30 but outside it, on either side.
    expect(found(of('100.64.0.4/30', '100.63.255.255'))).toEqual([]);
    expect(of('100.64.0.4/30', '127.0.0.1').processes.find((x) => x.kind === 'pasta')?.argv).toContain('--config-net');

    const b = only(of('100.64.0.1/24', '127.0.0.1'), 'PASTA_NET_OVERLAP');
    expect(b).toMatchObject({
      severity: 'error',
      message:
        "br: its address 100.64.0.1/24 overlaps 100.64.0.0/30, the network pasta uses inside this rootless lab's namespace for the way out of n (pasta is 100.64.0.2, its gateway 100.64.0.1): give it an address outside it",
      nodes: ['br', 'n'],
      path: ['nodes', 3, 'address'],
      fix: { label: 'Give br an address outside 100.64.0.0/30' },
      alternatives: [{ action: { kind: 'set-field', node: 'n', path: ['restrict'], value: true } }],
    });
    // A network that holds the /30, and one inside it.
    only(of('100.100.0.1/10', '127.0.0.1'), 'PASTA_NET_OVERLAP');
    only(of('100.64.0.3/32', '127.0.0.1'), 'PASTA_NET_OVERLAP');

    const l = only(of('10.0.9.254/24', '100.64.0.2'), 'PASTA_NET_OVERLAP');
    expect(l).toMatchObject({
      message: expect.stringMatching(/^link vw: its host 100\.64\.0\.2 overlaps 100\.64\.0\.0\/30, /),
      links: ['vw'],
      path: ['links', 2, 'host'],
      fix: { action: { kind: 'set-field', node: 'vw', on: 'link', path: ['host'], value: '127.0.0.1' } },
    });

    // No link of pasta's in the namespace: a restricted NAT (no way out), or a lab that is not rootless.
    expect(found(of('100.64.0.1/24', '100.64.0.2', userns, { restrict: true }))).toEqual([]);
    expect(found(of('100.64.0.1/24', '100.64.0.2', { isolation: 'netns' }))).toEqual([]);
  });
  it('HOSTFWD_ALL_INTERFACES', () => {
    const p = lab(
      [vm('v'), { kind: 'nat', id: 'n', hostfwd: [{ hostAddr: '0.0.0.0', hostPort: 2222, guestPort: 22 }] }],
      [{ a: 'v:e0', b: 'n' }],
    );
    expect(only(p, 'HOSTFWD_ALL_INTERFACES').fix!.action).toEqual({
      kind: 'set-field',
      node: 'n',
      path: ['hostfwd', 0, 'hostAddr'],
      value: '127.0.0.1',
    });
  });
  it('NAT_ICMP', () => {
    expect(only(lab([vm('v'), { kind: 'nat', id: 'n' }], [{ a: 'v:e0', b: 'n' }]), 'NAT_ICMP').message).toContain(
      'ping_group_range',
    );
    none(lab([{ kind: 'nat', id: 'n' }]), 'NAT_ICMP');
  });
  it('NAT_SEPARATE_INSTANCES', () => {
    const p = lab(
      [vm('a'), vm('b'), { kind: 'nat', id: 'n' }],
      [
        { a: 'a:e0', b: 'n' },
        { a: 'b:e0', b: 'n' },
      ],
    );
    expect(only(p, 'NAT_SEPARATE_INSTANCES').message).toContain('each NIC gets its own SLiRP instance');
  });
  it('ROOT_REQUIRED', () => {
    const p = lab([vm('v'), { kind: 'bridge', id: 'br' }], [{ a: 'v:e0', b: 'br' }], { privilege: 'user' });
    expect(only(p, 'ROOT_REQUIRED')).toMatchObject({
      severity: 'error',
      nodes: ['br'],
      fix: { action: { kind: 'set-target', field: 'privilege', value: 'root' } },
    });
    const q = lab([vm('v'), { kind: 'bridge', id: 'br', ifname: 'br0', external: true }], [{ a: 'v:e0', b: 'br' }], {
      privilege: 'user',
    });
    expect(only(q, 'ROOT_REQUIRED').fix!.action).toEqual({ kind: 'set-target', field: 'privilege', value: 'helper' });
    none(lab([vm('v'), { kind: 'nat', id: 'n' }], [{ a: 'v:e0', b: 'n' }], { privilege: 'user' }), 'ROOT_REQUIRED');
    expect(only(lab([vm('v')], [], { privilege: 'user', isolation: 'netns' }), 'ROOT_REQUIRED').message).toContain(
      'network namespace',
    );
  });
  it('HELPER_ACL', () => {
    const p = lab([vm('v'), { kind: 'bridge', id: 'br', ifname: 'br0', external: true }], [{ a: 'v:e0', b: 'br' }], {
      privilege: 'helper',
    });
    expect(only(p, 'HELPER_ACL')).toMatchObject({
      severity: 'info',
      fix: { label: 'Add "allow br0" to /etc/qemu/bridge.conf' },
    });
    none(p, 'ROOT_REQUIRED');
  });
  it('L2TPV3_PORTS', () => {
    only(
      lab(
        [vm('v'), { kind: 'l2tpv3', id: 't', src: '1.1.1.1', dst: '2.2.2.2', txsession: 1, srcport: 1 }],
        [{ a: 'v:e0', b: 't' }],
      ),
      'L2TPV3_PORTS',
    );
  });
  it('L2TPV3_COOKIES', () => {
    only(
      lab(
        [
          vm('v'),
          {
            kind: 'l2tpv3',
            id: 't',
            src: '1.1.1.1',
            dst: '2.2.2.2',
            txsession: 1,
            srcport: 1,
            dstport: 2,
            txcookie: 4,
          },
        ],
        [{ a: 'v:e0', b: 't' }],
      ),
      'L2TPV3_COOKIES',
    );
  });
  it('HUB_TAP_OPTIONS', () => {
    const p = lab(
      [vm('v'), { kind: 'hub', id: 'h' }, { kind: 'tap', id: 't', ifname: 'tap3', vhost: true, queues: 4 }],
      [
        { a: 'v:e0', b: 'h' },
        { a: 'h', b: 't' },
      ],
    );
    only(p, 'HUB_TAP_OPTIONS');
    expect(valuesOf(p.vms[0]!.argv, '-netdev')[0]).toBe('tap,id=h-t,ifname=tap3,script=no,downscript=no');
    none(p, 'VHOST_NON_VIRTIO');
  });
  it('HUB_VHOST_BACKEND', () => {
    const p = lab(
      [vm('v'), { kind: 'hub', id: 'h' }, { kind: 'vdpa', id: 'd' }],
      [
        { a: 'v:e0', b: 'h' },
        { a: 'h', b: 'd' },
      ],
    );
    only(p, 'HUB_VHOST_BACKEND');
    expect(p.vms[0]!.argv.join(' ')).not.toContain('vhost-vdpa');
  });
  it('TINY_GUEST_MISSING', () => {
    only(lab([vm('v', [])]), 'TINY_GUEST_MISSING');
    none(lab([vm('v', [])], [], { tinyGuest: { x86_64: { kernel: '/k', initrd: '/i' } } }), 'TINY_GUEST_MISSING');
  });
  it('VM_NO_NICS', () => {
    only(lab([vm('v', [])]), 'VM_NO_NICS');
  });
  it('LINK_ALL_INTERFACES', () => {
    const p = lab(
      [vm('a'), vm('b')],
      [{ a: 'a:e0', b: 'b:e0', transport: 'socket', family: 'inet', host: '0.0.0.0', port: 1234 }],
    );
    expect(only(p, 'LINK_ALL_INTERFACES')).toMatchObject({
      severity: 'warning',
      fix: { action: { kind: 'set-field', on: 'link', path: ['host'] } },
    });
    // The listener binds every interface; the connector cannot dial "every interface", so it dials loopback.
    expect(valuesOf(p.vms[0]!.argv, '-netdev')[0]).toMatch(/listen=0\.0\.0\.0:1234$/);
    expect(valuesOf(p.vms[1]!.argv, '-netdev')[0]).toMatch(/connect=127\.0\.0\.1:1234$/);
    none(lab([vm('a'), vm('b')], [{ a: 'a:e0', b: 'b:e0', family: 'inet', port: 1234 }]), 'LINK_ALL_INTERFACES');
  });
  it('NETDEV_AS_WRITTEN', () => {
    const p = lab(
      [
        vm('v'),
        { kind: 'netdev', id: 'p', type: 'passt', options: { 'tcp-ports': '10001', param: ['--trace', '--log=x'] } },
      ],
      [{ a: 'v:e0', b: 'p' }],
    );
    expect(only(p, 'NETDEV_AS_WRITTEN')).toMatchObject({ severity: 'info', nodes: ['p'] });
    expect(valuesOf(p.vms[0]!.argv, '-netdev')).toEqual([
      'passt,id=net-e0,tcp-ports=10001,param=--trace,param=--log=x',
    ]);
    // Checked like any backend: a QEMU without passt says so.
    only(
      lab([vm('v'), { kind: 'netdev', id: 'p', type: 'passt' }], [{ a: 'v:e0', b: 'p' }], { netdevBackends: ['user'] }),
      'BACKEND_MISSING',
    );
  });
  it('TESTPMD_PORTS', () => {
    const p = lab([vm('a'), { kind: 'testpmd', id: 'pmd' }], [{ a: 'a:e0', b: 'pmd' }]);
    expect(only(p, 'TESTPMD_PORTS')).toMatchObject({ severity: 'error', nodes: ['pmd'] });
    expect(p.processes.filter((x) => x.kind === 'testpmd')).toEqual([]);
    none(
      lab(
        [vm('a'), vm('b'), { kind: 'testpmd', id: 'pmd' }],
        [
          { a: 'a:e0', b: 'pmd' },
          { a: 'b:e0', b: 'pmd' },
        ],
        { kvm: true },
      ),
      'TESTPMD_PORTS',
    );
  });
  it('VHOST_USER_MSIX_OFF', () => {
    const p = lab([vm('a'), { kind: 'vhost-user', id: 'vu', socket: '/run/vu.sock' }], [{ a: 'a:e0', b: 'vu' }]);
    expect(only(p, 'VHOST_USER_MSIX_OFF')).toMatchObject({
      severity: 'info',
      nodes: ['a'],
      path: ['nodes', 0, 'nics', 0],
    });
    none(
      lab([vm('a'), { kind: 'vhost-user', id: 'vu', socket: '/run/vu.sock' }], [{ a: 'a:e0', b: 'vu' }], {
        qemuVersion: { major: 8, minor: 0 },
      }),
      'VHOST_USER_MSIX_OFF',
    );
  });
  it('NIC_ONBOARD_ONLY', () => {
    const board = (link: object[], more: Parameters<typeof lab>[0] = []) =>
      lab(
        [{ kind: 'vm', id: 'a', arch: 'arm', machine: 'vexpress-a9', nics: [{ id: 'e0', model: 'lan9118' }] }, ...more],
        link as never,
      );
    const p = board([{ a: 'a:e0', b: 'n' }], [{ kind: 'nat', id: 'n' }]);
    expect(only(p, 'NIC_ONBOARD_ONLY')).toMatchObject({ severity: 'info', nodes: ['a'] });
    expect(valuesOf(p.vms[0]!.argv, '-nic')[0]).toMatch(/^user,id=net-e0,model=lan9118,mac=/);
    expect(valuesOf(p.vms[0]!.argv, '-device')).toEqual([]);
    none(p, 'PCI_NIC_NO_PCI');
  });
  it('NIC_ONBOARD_UNREACHABLE', () => {
    const p = lab(
      [{ kind: 'vm', id: 'a', arch: 'arm', machine: 'vexpress-a9', nics: [{ id: 'e0', model: 'lan9118' }] }, vm('b')],
      [{ a: 'a:e0', b: 'b:e0', transport: 'stream' }],
    );
    expect(only(p, 'NIC_ONBOARD_UNREACHABLE').message).toContain('stream exists only as -netdev');
  });
  it('NIC_NOT_ETHERNET', () => {
    const p = lab(
      [
        { kind: 'vm', id: 'a', nics: [{ id: 'e0', model: 'pvrdma' }] },
        { kind: 'nat', id: 'n' },
      ],
      [{ a: 'a:e0', b: 'n' }],
    );
    expect(only(p, 'NIC_NOT_ETHERNET')).toMatchObject({ severity: 'error', fix: { action: { value: 'virtio' } } });
  });
  it('ACCEL_FOREIGN_ARCH', () => {
    const p = lab(
      [vm('arm64', ['e0'], { arch: 'aarch64', accel: 'kvm' }), vm('x', ['e0'], { accel: 'kvm' })],
      [{ a: 'arm64:e0', b: 'x:e0' }],
      { kvm: true },
    );
    expect(only(p, 'ACCEL_FOREIGN_ARCH')).toMatchObject({ nodes: ['arm64'], path: ['nodes', 0, 'accel'] });
    const argv = (id: string) => p.vms.find((v) => v.node === id)!.argv;
    expect(valuesOf(argv('arm64'), '-accel')).toEqual(['tcg']);
    expect(valuesOf(argv('arm64'), '-cpu')).toEqual(['max']);
    expect(valuesOf(argv('x'), '-accel')).toEqual(['kvm']);
    // `--accel kvm` (the target's kvm) makes auto guests kvm only where the host's KVM runs them.
    const auto = lab([vm('arm64', ['e0'], { arch: 'aarch64' })], [], { kvm: true });
    expect(valuesOf(auto.vms[0]!.argv, '-accel')).toEqual(['tcg']);
    none(auto, 'ACCEL_FOREIGN_ARCH');
  });
  it('KERNEL_CMDLINE_TOO_LONG', () => {
    const p = lab([vm('a', [], { boot: { type: 'tiny', run: ['echo " *"'.repeat(300)] } })]);
    expect(only(p, 'KERNEL_CMDLINE_TOO_LONG')).toMatchObject({
      severity: 'error',
      nodes: ['a'],
      path: ['nodes', 0, 'boot', 'run'],
    });
    none(lab([vm('a', [], { boot: { type: 'tiny', run: ['httpd -p 80 -h /www'] } })]), 'KERNEL_CMDLINE_TOO_LONG');
  });
  it('IP_HINTS_APPENDED', () => {
    const boot = { type: 'kernel' as const, kernel: '/k', append: 'console=ttyS0 root=/dev/vda' };
    const p = lab([{ kind: 'vm', id: 'a', boot, nics: [{ id: 'e0', ip: '10.0.0.1/24', gateway: '10.0.0.254' }] }]);
    expect(only(p, 'IP_HINTS_APPENDED').path).toEqual(['nodes', 0, 'boot', 'append']);
    expect(valuesOf(p.vms[0]!.argv, '-append')).toEqual([
      'console=ttyS0 root=/dev/vda qnet.hostname=a qnet.if0=10.0.0.1/24 qnet.gw0=10.0.0.254',
    ]);
    none(lab([{ kind: 'vm', id: 'a', boot, nics: [{ id: 'e0' }] }]), 'IP_HINTS_APPENDED');
  });
  it('BACKEND_UNLINKED', () => {
    const p = lab(
      [vm('a'), { kind: 'nat', id: 'n' }, { kind: 'mcast', id: 'bus' }, { kind: 'nat', id: 'used' }],
      [{ a: 'a:e0', b: 'used' }],
    );
    expect(p.diagnostics.filter((d) => d.code === 'BACKEND_UNLINKED').map((d) => d.nodes[0])).toEqual(['bus', 'n']);
    // No NAT_ICMP for a NAT that is in no guest.
    expect(p.diagnostics.filter((d) => d.code === 'NAT_ICMP').map((d) => d.nodes[0])).toEqual(['used']);
  });
  it('DISK_SHARED_WRITE', () => {
    const disk = (snapshot: boolean) => ({
      type: 'disk' as const,
      images: [{ path: '/srv/base.qcow2', format: 'qcow2', snapshot }],
    });
    const p = lab(
      [vm('a', ['e0'], { boot: disk(false) }), vm('b', ['e0'], { boot: disk(true) })],
      [{ a: 'a:e0', b: 'b:e0' }],
    );
    const d = only(p, 'DISK_SHARED_WRITE');
    expect(d).toMatchObject({
      severity: 'error',
      nodes: ['a', 'b'],
      fix: { action: { node: 'a', path: ['boot', 'images', 0, 'snapshot'], value: true } },
    });
    expect(d.alternatives?.[0]).toMatchObject({
      label: "Give a a linked clone of /srv/base.qcow2 in the lab's directory",
      action: { kind: 'set-field', node: 'a', path: ['boot', 'images', 0, 'clone'], value: 'discard' },
    });
    none(
      lab([vm('a', ['e0'], { boot: disk(true) }), vm('b', ['e0'], { boot: disk(true) })], [{ a: 'a:e0', b: 'b:e0' }]),
      'DISK_SHARED_WRITE',
    );
    // A linked clone reads its base and writes its own overlay.
    const cloned = {
      type: 'disk' as const,
      images: [{ path: '/srv/base.qcow2', snapshot: false, clone: 'keep' as const }],
    };
    none(
      lab([vm('a', ['e0'], { boot: cloned }), vm('b', ['e0'], { boot: cloned })], [{ a: 'a:e0', b: 'b:e0' }]),
      'DISK_SHARED_WRITE',
    );
    // A scratch disk counts too.
    expect(
      only(
        lab(
          [
            vm('a', ['e0'], { disks: [{ path: '/srv/s.raw', snapshot: false }] }),
            vm('b', ['e0'], { disks: [{ path: '/srv/s.raw' }] }),
          ],
          [{ a: 'a:e0', b: 'b:e0' }],
        ),
        'DISK_SHARED_WRITE',
      ).fix?.action,
    ).toMatchObject({ path: ['disks', 0, 'snapshot'] });
  });
  it('DISK_CLONE_RELATIVE', () => {
    const p = lab([vm('a', ['e0'], { disks: [{ path: 'images/base.qcow2', clone: 'discard' }] })], []);
    expect(only(p, 'DISK_CLONE_RELATIVE')).toMatchObject({
      severity: 'error',
      nodes: ['a'],
      path: ['nodes', 0, 'disks', 0, 'path'],
    });
    expect(only(p, 'DISK_CLONE_RELATIVE').message).toContain('images/base.qcow2');
    none(lab([vm('a', ['e0'], { disks: [{ path: '/srv/base.qcow2', clone: 'discard' }] })], []), 'DISK_CLONE_RELATIVE');
  });
  test('every compiler code has a test here', () => {
    expect([...tested].sort()).toEqual(Object.keys(COMPILER_CODES).sort());
  });
  test('a port linked twice: the compiler keeps the first link in file order, the one checkStructure does not blame', () => {
    // Ids chosen so that id order (dc < zc) is the reverse of file order.
    const p = lab(
      [vm('a'), vm('c'), vm('d')],
      [
        { id: 'zc', a: 'a:e0', b: 'c:e0' },
        { id: 'dc', a: 'd:e0', b: 'c:e0' },
      ],
    );
    expect(only(p, 'PORT_LINKED_TWICE')).toMatchObject({ links: ['zc', 'dc'], path: ['links', 1, 'b'] });
    // d:e0 is on link dc, left out for c:e0: it is said so, not "not linked to anything".
    const noPeer = only(p, 'NIC_NO_PEER');
    expect(noPeer).toMatchObject({ nodes: ['d'], links: ['dc'] });
    expect(noPeer.message).toBe(
      'd:e0 is on link dc, which is left out: its other end "c:e0" is already on link zc. The guest sees a NIC ' +
        'with no cable until one of the two links is moved or removed',
    );
    expect(noPeer.fix?.label).toBe('Move or remove link dc (or link zc)');
    const netdev = (id: string) => valuesOf(p.vms.find((v) => v.node === id)!.argv, '-netdev');
    expect(netdev('a')).toHaveLength(1);
    expect(netdev('c')).toHaveLength(1);
    expect(netdev('d')).toEqual([]);
  });
  test('structural problems from checkStructure pass through', () => {
    const p = lab([vm('v')], [{ a: 'v:e0', b: 'nowhere' }]);
    expect(p.diagnostics.map((d) => d.code)).toContain('LINK_DANGLING');
    only(p, 'NIC_NO_PEER');
  });
  test('a NIC held by a dangling link is said to be on that link, not "not linked"', () => {
    const p = lab([vm('v')], [{ id: 'up', a: 'nowhere:x', b: 'v:e0' }]);
    const d = only(p, 'NIC_NO_PEER');
    expect(d.links).toEqual(['up']);
    expect(d.message).toBe(
      'v:e0 is on link up, whose other end "nowhere:x" names nothing: the guest sees a NIC with no cable until ' +
        'the link is reattached or removed',
    );
    expect(d.fix?.label).toBe('Reattach link up on the canvas (drag its red end onto a node), or remove it');
  });
});

describe('structural diagnostics', () => {
  const text =
    'version: 2\nname: s\nnodes:\n  - { id: a, kind: vm, nics: [{ id: e0 }] }\nlinks:\n  - { a: a:e0, b: nowhere }\n';
  test("are the loader's when it gives them (checked once), without their place in the file", () => {
    const loaded = loadTopology(text, 's.qnet.yaml');
    if (!loaded.ok) throw new Error('fixture does not load');
    expect(loaded.diagnostics.map((d) => [d.code, d.line])).toEqual([['LINK_DANGLING', 6]]);
    const plan = compile(loaded.topology, target(), { structural: loaded.diagnostics });
    const dangling = only(plan, 'LINK_DANGLING');
    expect(dangling).not.toHaveProperty('line');
    expect(dangling).not.toHaveProperty('file');
    expect(compile(loaded.topology, target()).diagnostics).toEqual(plan.diagnostics);
    // Given none, none are invented: compile does not check the structure again.
    expect(compile(loaded.topology, target(), { structural: [] }).diagnostics.map((d) => d.code)).not.toContain(
      'LINK_DANGLING',
    );
  });
});
