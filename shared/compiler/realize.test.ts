import { describe, expect, test } from 'vitest';
import { compile } from './index';
import type { LabPlan } from './plan';
import type { Target } from './target';
import { target, topo, valuesOf } from './testkit';

type Nodes = Parameters<typeof topo>[0]['nodes'];
type Links = Parameters<typeof topo>[0]['links'];
const lab = (nodes: Nodes, links: Links, over = {}) => compile(topo({ nodes, links }), target(over));
const argvOf = (p: LabPlan, id: string) => p.vms.find((v) => v.node === id)!.argv;
const codes = (p: LabPlan) => p.diagnostics.map((d) => d.code);
const vm = (id: string, nics = ['e0'], more = {}) => ({
  kind: 'vm' as const,
  id,
  nics: nics.map((n) => ({ id: n })),
  ...more,
});

describe('vm - nat', () => {
  test('every SLiRP option, list options as repeated keys, hostfwd on loopback', () => {
    const p = lab(
      [
        vm('v'),
        {
          kind: 'nat',
          id: 'n',
          net: '10.9.0.0/24',
          host: '10.9.0.2',
          dhcpstart: '10.9.0.15',
          dns: '10.9.0.3',
          dnssearch: ['a.test', 'b.test'],
          domainname: 'lab.test',
          hostname: 'guest',
          restrict: true,
          ipv6: false,
          tftp: '/srv/tftp',
          bootfile: 'pxe.0',
          smb: '/srv/smb',
          hostfwd: [
            { hostPort: 8080, guestPort: 80 },
            { proto: 'udp', hostPort: 5353, guestAddr: '10.9.0.15', guestPort: 53 },
          ],
          guestfwd: [{ server: '10.9.0.100', port: 4321, target: 'tcp:127.0.0.1:4321' }],
        },
      ],
      [{ a: 'v:e0', b: 'n' }],
    );
    expect(valuesOf(argvOf(p, 'v'), '-netdev')).toEqual([
      'user,id=net-e0,net=10.9.0.0/24,host=10.9.0.2,dhcpstart=10.9.0.15,dns=10.9.0.3,dnssearch=a.test,dnssearch=b.test,domainname=lab.test,hostname=guest,restrict=on,ipv4=on,ipv6=off,tftp=/srv/tftp,bootfile=pxe.0,smb=/srv/smb,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:127.0.0.1:5353-10.9.0.15:53,guestfwd=tcp:10.9.0.100:4321-tcp:127.0.0.1:4321',
    ]);
    expect(valuesOf(argvOf(p, 'v'), '-device')[0]).toMatch(
      /^virtio-net-pci,netdev=net-e0,mac=52:54:00:[0-9a-f:]{8},id=nic-e0$/,
    );
    expect(p.privilege).toBe('user');
    expect(p.hostSteps).toEqual([]);
  });
  test('minimal nat is plain user', () => {
    const p = lab([vm('v'), { kind: 'nat', id: 'n' }], [{ a: 'v:e0', b: 'n' }]);
    expect(valuesOf(argvOf(p, 'v'), '-netdev')).toEqual(['user,id=net-e0']);
  });
});

describe('vm - vm', () => {
  const pair = [vm('a'), vm('b')];
  test('auto on 7.2: unix stream, a serves, b connects after a (no reconnect on 7.2)', () => {
    const p = lab(pair, [{ id: 'ab', a: 'a:e0', b: 'b:e0' }]);
    expect(valuesOf(argvOf(p, 'a'), '-netdev')).toEqual([
      'stream,id=net-e0,server=on,addr.type=unix,addr.path=/run/qnet/lab/ab.sock',
    ]);
    expect(valuesOf(argvOf(p, 'b'), '-netdev')).toEqual([
      'stream,id=net-e0,server=off,addr.type=unix,addr.path=/run/qnet/lab/ab.sock',
    ]);
    expect(p.processes.find((x) => x.id === 'vm-b')!.dependsOn).toEqual(['vm-a']);
    expect(p.processes.find((x) => x.id === 'vm-a')!.dependsOn).toEqual([]);
  });
  test('8.0 adds reconnect=1 and drops the start order; 9.2 uses reconnect-ms', () => {
    const p8 = lab(pair, [{ id: 'ab', a: 'a:e0', b: 'b:e0' }], { qemuVersion: { major: 8, minor: 2 } });
    expect(valuesOf(argvOf(p8, 'b'), '-netdev')[0]).toMatch(/,reconnect=1$/);
    expect(p8.processes.find((x) => x.id === 'vm-b')!.dependsOn).toEqual([]);
    const p9 = lab(pair, [{ id: 'ab', a: 'a:e0', b: 'b:e0' }], { qemuVersion: { major: 9, minor: 2 } });
    expect(valuesOf(argvOf(p9, 'b'), '-netdev')[0]).toMatch(/,reconnect-ms=1000$/);
  });
  test('stream over inet with an explicit port', () => {
    const p = lab(pair, [{ id: 'ab', a: 'a:e0', b: 'b:e0', family: 'inet', port: 41000 }]);
    expect(valuesOf(argvOf(p, 'a'), '-netdev')).toEqual([
      'stream,id=net-e0,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=41000',
    ]);
    expect(valuesOf(argvOf(p, 'b'), '-netdev')).toEqual([
      'stream,id=net-e0,server=off,addr.type=inet,addr.host=127.0.0.1,addr.port=41000',
    ]);
  });
  test('dgram over unix: each side binds its own path, no start order', () => {
    const p = lab(pair, [{ id: 'ab', a: 'a:e0', b: 'b:e0', transport: 'dgram' }]);
    expect(valuesOf(argvOf(p, 'a'), '-netdev')).toEqual([
      'dgram,id=net-e0,local.type=unix,local.path=/run/qnet/lab/ab.a.sock,remote.type=unix,remote.path=/run/qnet/lab/ab.b.sock',
    ]);
    expect(valuesOf(argvOf(p, 'b'), '-netdev')).toEqual([
      'dgram,id=net-e0,local.type=unix,local.path=/run/qnet/lab/ab.b.sock,remote.type=unix,remote.path=/run/qnet/lab/ab.a.sock',
    ]);
    expect(p.processes.every((x) => x.dependsOn.length === 0)).toBe(true);
  });
  test('dgram over inet: a binds the port, b the next one, derived from the port base', () => {
    const p = lab(pair, [{ id: 'ab', a: 'a:e0', b: 'b:e0', transport: 'dgram', family: 'inet' }]);
    const a = valuesOf(argvOf(p, 'a'), '-netdev')[0]!;
    const port = Number(/local\.port=(\d+)/.exec(a)![1]);
    expect(port).toBeGreaterThanOrEqual(40000);
    expect(a).toBe(
      `dgram,id=net-e0,local.type=inet,local.host=127.0.0.1,local.port=${port},remote.type=inet,remote.host=127.0.0.1,remote.port=${port + 1}`,
    );
    expect(valuesOf(argvOf(p, 'b'), '-netdev')[0]).toBe(
      `dgram,id=net-e0,local.type=inet,local.host=127.0.0.1,local.port=${port + 1},remote.type=inet,remote.host=127.0.0.1,remote.port=${port}`,
    );
  });
  test('dgram below 7.2: a socket udp= pair, each side bound to the port the other sends to, no start order', () => {
    for (const family of ['inet', 'unix'] as const) {
      const p = lab(pair, [{ id: 'ab', a: 'a:e0', b: 'b:e0', transport: 'dgram', family, port: 41600 }], {
        qemuVersion: { major: 7, minor: 1 },
      });
      expect(valuesOf(argvOf(p, 'a'), '-netdev')).toEqual([
        'socket,id=net-e0,udp=127.0.0.1:41601,localaddr=127.0.0.1:41600',
      ]);
      expect(valuesOf(argvOf(p, 'b'), '-netdev')).toEqual([
        'socket,id=net-e0,udp=127.0.0.1:41600,localaddr=127.0.0.1:41601',
      ]);
      expect(p.processes.every((x) => x.dependsOn.length === 0)).toBe(true);
      expect(p.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    }
    // A derived pair takes two UDP ports that no other link gets.
    const q = lab(
      [...pair, vm('c'), vm('d')],
      [
        { id: 'ab', a: 'a:e0', b: 'b:e0', transport: 'dgram' },
        { id: 'cd', a: 'c:e0', b: 'd:e0', transport: 'dgram' },
      ],
      {
        qemuVersion: { major: 6, minor: 2 },
      },
    );
    const bound = q.vms.map((v) => /localaddr=127\.0\.0\.1:(\d+)/.exec(valuesOf(v.argv, '-netdev')[0]!)![1]);
    expect(new Set(bound).size).toBe(4);
  });
  test('socket: a listens, b connects after it; auto below 7.2 is socket', () => {
    for (const [links, over] of [
      [[{ id: 'ab', a: 'a:e0', b: 'b:e0', transport: 'socket', family: 'inet', port: 41500 }], {}],
      [[{ id: 'ab', a: 'a:e0', b: 'b:e0', port: 41500 }], { qemuVersion: { major: 7, minor: 1 } }],
    ] as const) {
      const p = lab(pair, [...links], over);
      expect(valuesOf(argvOf(p, 'a'), '-netdev')).toEqual(['socket,id=net-e0,listen=127.0.0.1:41500']);
      expect(valuesOf(argvOf(p, 'b'), '-netdev')).toEqual(['socket,id=net-e0,connect=127.0.0.1:41500']);
      expect(p.processes.find((x) => x.id === 'vm-b')!.dependsOn).toEqual(['vm-a']);
      expect(codes(p)).not.toContain('SOCKET_FAMILY_UNIX');
    }
  });
  test('a ring of socket links never makes a start-order cycle', () => {
    const p = lab(
      [vm('a', ['e0', 'e1']), vm('b', ['e0', 'e1']), vm('c', ['e0', 'e1'])],
      [
        { id: 'l1', a: 'a:e0', b: 'b:e1', transport: 'socket', family: 'inet' },
        { id: 'l2', a: 'b:e0', b: 'c:e1', transport: 'socket', family: 'inet' },
        { id: 'l3', a: 'c:e0', b: 'a:e1', transport: 'socket', family: 'inet' },
      ],
    );
    const deps = new Map(p.processes.map((x) => [x.id, x.dependsOn]));
    const visit = (id: string, seen: Set<string>): boolean =>
      seen.has(id) ? false : [...(deps.get(id) ?? [])].every((d) => visit(d, new Set([...seen, id])));
    expect(['vm-a', 'vm-b', 'vm-c'].every((id) => visit(id, new Set()))).toBe(true);
    const listens = p.vms.flatMap((v) => valuesOf(v.argv, '-netdev').filter((x) => x.includes('listen=')));
    expect(listens).toHaveLength(3);
  });
});

describe('vm - bridge, tap', () => {
  const nodes = (more = {}) => [
    vm('v'),
    { kind: 'bridge' as const, id: 'br', ifname: 'br0', address: '10.0.0.254/24', stp: true, ...more },
  ];
  test('root: a tap per NIC made and enslaved by host steps, bridge created with STP and address', () => {
    const p = lab(nodes(), [{ id: 'vb', a: 'v:e0', b: 'br' }], { runAs: 'alice' });
    const tap = /ifname=(qn[a-z0-9]{6}),/.exec(valuesOf(argvOf(p, 'v'), '-netdev')[0]!)![1]!;
    expect(valuesOf(argvOf(p, 'v'), '-netdev')).toEqual([`tap,id=net-e0,ifname=${tap},script=no,downscript=no`]);
    expect(p.hostSteps.map((s) => [s.argv.join(' '), s.undo?.join(' ') ?? null])).toEqual([
      ['ip link add br0 type bridge stp_state 1', 'ip link del br0'],
      ['ip addr add 10.0.0.254/24 dev br0', null],
      ['ip link set br0 up', null],
      [`ip tuntap add dev ${tap} mode tap user alice`, `ip link del ${tap}`],
      [`ip link set ${tap} master br0`, null],
      [`ip link set ${tap} up`, null],
    ]);
    expect(p.hostSteps.every((s) => s.needsRoot && !s.inNetns)).toBe(true);
    expect(p.privilege).toBe('root');
  });
  test('helper: -netdev bridge through the helper, ACL info; an external bridge needs no root', () => {
    const p = lab(nodes({ external: true }), [{ a: 'v:e0', b: 'br' }], { privilege: 'helper' });
    expect(valuesOf(argvOf(p, 'v'), '-netdev')).toEqual([
      'bridge,id=net-e0,br=br0,helper=/usr/lib/qemu/qemu-bridge-helper',
    ]);
    expect(p.hostSteps).toEqual([]);
    expect(p.privilege).toBe('helper');
    expect(p.diagnostics.find((d) => d.code === 'HELPER_ACL')!.message).toContain('allow br0');
  });
  test('an external bridge needs only helper in every mode; root mode still makes a tap per NIC', () => {
    const root = lab(nodes({ external: true, address: undefined, stp: false }), [{ a: 'v:e0', b: 'br' }]);
    expect(root.privilege).toBe('helper');
    expect(root.hostSteps.map((s) => s.argv.slice(0, 3).join(' '))).toEqual([
      'ip tuntap add',
      'ip link set',
      'ip link set',
    ]);
    expect(root.diagnostics.map((d) => d.code)).not.toContain('ROOT_REQUIRED');
    const user = lab(nodes({ external: true, address: undefined, stp: false }), [{ a: 'v:e0', b: 'br' }], {
      privilege: 'user',
    });
    expect(user.privilege).toBe('helper');
    expect(user.diagnostics.find((d) => d.code === 'ROOT_REQUIRED')).toMatchObject({
      message: 'this lab needs helper privilege but runs as user: bridge br through qemu-bridge-helper',
      nodes: ['br'],
      fix: {
        label: 'Allow helper privilege for this lab',
        action: { kind: 'set-target', field: 'privilege', value: 'helper' },
      },
    });
    // Anything else root does (here the uplink) still makes it root.
    const uplinked = lab(
      [
        ...nodes({ external: true, address: undefined, stp: false }),
        { kind: 'host', id: 'h', interfaces: [{ name: 'eno1' }] },
      ],
      [
        { a: 'v:e0', b: 'br' },
        { a: 'br', b: 'h:eno1' },
      ],
      { privilege: 'user' },
    );
    expect(uplinked.privilege).toBe('root');
    expect(uplinked.diagnostics.find((d) => d.code === 'ROOT_REQUIRED')?.fix?.action).toMatchObject({ value: 'root' });
  });
  test('tap node: owner, vhost, multiqueue (mq and vectors on virtio-net-pci), enslaved to its bridge', () => {
    const p = lab(
      [
        vm('v'),
        { kind: 'tap', id: 't', ifname: 'tap7', owner: 'bob', vhost: true, queues: 2 },
        { kind: 'bridge', id: 'br', ifname: 'br0' },
      ],
      [
        { a: 'v:e0', b: 't' },
        { a: 't', b: 'br' },
      ],
    );
    expect(valuesOf(argvOf(p, 'v'), '-netdev')).toEqual([
      'tap,id=net-e0,ifname=tap7,script=no,downscript=no,vhost=on,queues=2',
    ]);
    expect(valuesOf(argvOf(p, 'v'), '-device')[0]).toMatch(
      /^virtio-net-pci,netdev=net-e0,mac=[0-9a-f:]+,id=nic-e0,mq=on,vectors=6$/,
    );
    expect(p.hostSteps.map((s) => s.argv.join(' '))).toEqual([
      'ip link add br0 type bridge',
      'ip link set br0 up',
      'ip tuntap add dev tap7 mode tap user bob multi_queue',
      'ip link set tap7 master br0',
      'ip link set tap7 up',
    ]);
  });
  test('bridge uplink, NAT with nftables masquerade, all undone', () => {
    const p = lab(
      [...nodes({ nat: true, stp: false }), { kind: 'host', id: 'h', interfaces: [{ name: 'eth9' }] }],
      [
        { a: 'v:e0', b: 'br' },
        { a: 'br', b: 'h:eth9' },
      ],
      { name: 'x' },
    );
    const s = p.hostSteps.map((x) => [x.argv.join(' '), x.undo?.join(' ') ?? null]);
    expect(s).toContainEqual(['ip link set eth9 master br0', 'ip link set eth9 nomaster']);
    expect(s).toContainEqual(['sysctl -w net.ipv4.ip_forward=1', null]);
    expect(s).toContainEqual(['nft create table ip qnet_lab', 'nft delete table ip qnet_lab']);
    expect(s).toContainEqual([
      'nft add chain ip qnet_lab postrouting { type nat hook postrouting priority 100 ; }',
      null,
    ]);
    expect(s).toContainEqual([
      'nft add rule ip qnet_lab postrouting ip saddr 10.0.0.0/24 oifname != br0 masquerade',
      null,
    ]);
  });
  test('netns isolation: namespace first, loopback up, every other step inside it', () => {
    const p = lab(nodes(), [{ a: 'v:e0', b: 'br' }], { isolation: 'netns' });
    expect(p.netns).toBe('qn-lab');
    expect(p.hostSteps.slice(0, 2).map((s) => [s.argv.join(' '), s.undo?.join(' ') ?? null, s.inNetns])).toEqual([
      ['ip netns add qn-lab', 'ip netns del qn-lab', false],
      ['ip -n qn-lab link set lo up', null, false],
    ]);
    expect(p.hostSteps.slice(2).every((s) => s.inNetns)).toBe(true);
  });
});

describe('vm - hub, hub - backend', () => {
  test('hubports on one hub id; the backend netdev comes before the hubport that names it', () => {
    const p = lab(
      [vm('v', ['e0', 'e1']), { kind: 'hub', id: 'h' }, { kind: 'nat', id: 'n' }],
      [
        { a: 'v:e0', b: 'h' },
        { a: 'v:e1', b: 'h' },
        { a: 'h', b: 'n' },
      ],
    );
    expect(valuesOf(argvOf(p, 'v'), '-netdev')).toEqual([
      'user,id=h-n',
      'hubport,id=h-n-port,hubid=0,netdev=h-n',
      'hubport,id=net-e0,hubid=0',
      'hubport,id=net-e1,hubid=0',
    ]);
    expect(valuesOf(argvOf(p, 'v'), '-device').map((d) => d.split(',')[1])).toEqual(['netdev=net-e0', 'netdev=net-e1']);
    expect(codes(p)).not.toContain('HUB_NO_HOST_NETWORK');
  });
  test('two hubs in one VM get hub ids 0 and 1', () => {
    const p = lab(
      [vm('v', ['e0', 'e1']), { kind: 'hub', id: 'h1' }, { kind: 'hub', id: 'h2' }],
      [
        { a: 'v:e0', b: 'h2' },
        { a: 'v:e1', b: 'h1' },
      ],
    );
    expect(valuesOf(argvOf(p, 'v'), '-netdev')).toEqual(['hubport,id=net-e0,hubid=1', 'hubport,id=net-e1,hubid=0']);
  });
});

describe('vm - vde', () => {
  test('switch and slirpvde processes held on stdin, VMs wait for both', () => {
    const p = lab(
      [vm('a'), vm('b'), { kind: 'vde', id: 'sw', ports: 8, hub: true, slirp: { dhcp: true, network: '10.5.0.0/24' } }],
      [
        { a: 'a:e0', b: 'sw' },
        { a: 'b:e0', b: 'sw' },
      ],
    );
    expect(valuesOf(argvOf(p, 'a'), '-netdev')).toEqual(['vde,id=net-e0,sock=/run/qnet/lab/sw.vde']);
    expect(p.processes.slice(0, 2)).toEqual([
      {
        id: 'vde-sw',
        kind: 'vde_switch',
        node: 'sw',
        argv: ['vde_switch', '-s', '/run/qnet/lab/sw.vde', '-n', '8', '-x'],
        dependsOn: [],
        ready: { type: 'path', path: '/run/qnet/lab/sw.vde/ctl' },
        holdStdin: true,
        stderrLog: '/run/qnet/lab/vde-sw.log',
      },
      {
        id: 'slirpvde-sw',
        kind: 'slirpvde',
        node: 'sw',
        argv: ['slirpvde', '-s', '/run/qnet/lab/sw.vde', '-D', '-H', '10.5.0.0/24'],
        dependsOn: ['vde-sw'],
        ready: { type: 'none' },
        holdStdin: true,
        stderrLog: '/run/qnet/lab/slirpvde-sw.log',
      },
    ]);
    expect(p.processes.find((x) => x.id === 'vm-a')!.dependsOn).toEqual(['slirpvde-sw', 'vde-sw']);
    expect(p.privilege).toBe('user');
  });
  test('an explicit socket directory is used as is', () => {
    const p = lab([vm('a'), { kind: 'vde', id: 'sw', sock: '/run/sw1' }], [{ a: 'a:e0', b: 'sw' }]);
    expect(valuesOf(argvOf(p, 'a'), '-netdev')).toEqual(['vde,id=net-e0,sock=/run/sw1']);
  });
});

describe('vm - mcast', () => {
  test('dgram multicast on 7.2, with a local address; socket mcast when asked or below 7.2', () => {
    const nodes = (more = {}) => [
      vm('a'),
      { kind: 'mcast' as const, id: 'm', group: '230.0.0.9', port: 5000, ...more },
    ];
    expect(valuesOf(argvOf(lab(nodes(), [{ a: 'a:e0', b: 'm' }]), 'a'), '-netdev')).toEqual([
      'dgram,id=net-e0,remote.type=inet,remote.host=230.0.0.9,remote.port=5000',
    ]);
    expect(valuesOf(argvOf(lab(nodes({ localAddr: '127.0.0.1' }), [{ a: 'a:e0', b: 'm' }]), 'a'), '-netdev')).toEqual([
      'dgram,id=net-e0,remote.type=inet,remote.host=230.0.0.9,remote.port=5000,local.type=inet,local.host=127.0.0.1,local.port=0',
    ]);
    expect(
      valuesOf(
        argvOf(lab(nodes({ transport: 'socket', localAddr: '127.0.0.1' }), [{ a: 'a:e0', b: 'm' }]), 'a'),
        '-netdev',
      ),
    ).toEqual(['socket,id=net-e0,mcast=230.0.0.9:5000,localaddr=127.0.0.1']);
    expect(
      valuesOf(argvOf(lab(nodes(), [{ a: 'a:e0', b: 'm' }], { qemuVersion: { major: 6, minor: 2 } }), 'a'), '-netdev'),
    ).toEqual(['socket,id=net-e0,mcast=230.0.0.9:5000']);
  });
});

describe('vm - l2tpv3, vhost-user, vdpa', () => {
  test('l2tpv3 with every option; cookie64 only when on', () => {
    const p = lab(
      [
        vm('a'),
        {
          kind: 'l2tpv3',
          id: 't',
          src: '192.0.2.1',
          dst: '192.0.2.2',
          srcport: 1701,
          dstport: 1702,
          txsession: 10,
          rxsession: 11,
          cookie64: true,
          txcookie: 5,
          rxcookie: 6,
          counter: true,
          pincounter: true,
          offset: 4,
          ipv6: false,
        },
      ],
      [{ a: 'a:e0', b: 't' }],
    );
    expect(valuesOf(argvOf(p, 'a'), '-netdev')).toEqual([
      'l2tpv3,id=net-e0,src=192.0.2.1,dst=192.0.2.2,udp=on,srcport=1701,dstport=1702,txsession=10,rxsession=11,cookie64=on,txcookie=5,rxcookie=6,counter=on,pincounter=on,offset=4',
    ]);
    expect(p.privilege).toBe('user');
    const raw = lab(
      [vm('a'), { kind: 'l2tpv3', id: 't', src: '192.0.2.1', dst: '192.0.2.2', udp: false, txsession: 1 }],
      [{ a: 'a:e0', b: 't' }],
    );
    expect(valuesOf(argvOf(raw, 'a'), '-netdev')).toEqual([
      'l2tpv3,id=net-e0,src=192.0.2.1,dst=192.0.2.2,udp=off,txsession=1',
    ]);
    expect(raw.privilege).toBe('root');
  });
  test('vhost-user: client chardev, queues, shared memory backend on the machine', () => {
    const p = lab(
      [vm('a', ['e0'], { memory: 512 }), { kind: 'vhost-user', id: 'vu', socket: '/run/vu.sock', queues: 2 }],
      [{ a: 'a:e0', b: 'vu' }],
      { kvm: true },
    );
    const argv = argvOf(p, 'a');
    expect(valuesOf(argv, '-machine')).toEqual(['q35,memory-backend=mem']);
    expect(valuesOf(argv, '-object')).toEqual(['memory-backend-memfd,id=mem,size=512M,share=on']);
    expect(valuesOf(argv, '-chardev')[1]).toBe('socket,id=chr-vu,path=/run/vu.sock');
    expect(valuesOf(argv, '-netdev')).toEqual(['vhost-user,id=net-e0,chardev=chr-vu,queues=2']);
    expect(valuesOf(argv, '-device')[0]).toMatch(/,mq=on,vectors=6$/);
    expect(
      argv.indexOf('chr-vu') === -1 &&
        argv.findIndex((x) => x.startsWith('socket,id=chr-vu')) < argv.findIndex((x) => x.startsWith('vhost-user,')),
    ).toBe(true);
  });
  test('vhost-user in server mode listens without waiting', () => {
    const p = lab(
      [vm('a'), { kind: 'vhost-user', id: 'vu', socket: '/run/vu.sock', mode: 'server' }],
      [{ a: 'a:e0', b: 'vu' }],
    );
    expect(valuesOf(argvOf(p, 'a'), '-chardev')[1]).toBe('socket,id=chr-vu,path=/run/vu.sock,server=on,wait=off');
  });
  test('vhost-user under TCG on QEMU before 8.0: MSI-X off (7.2 crashes with it); 10.0 and KVM keep it', () => {
    const nodes = [vm('a'), { kind: 'vhost-user' as const, id: 'vu', socket: '/run/vu.sock', queues: 2 }];
    const device = (t: Partial<Target>) => valuesOf(argvOf(lab(nodes, [{ a: 'a:e0', b: 'vu' }], t), 'a'), '-device')[0];
    expect(device({})).toMatch(/,mq=on,vectors=0$/);
    expect(device({ qemuVersion: { major: 10, minor: 0 } })).toMatch(/,mq=on,vectors=6$/);
    expect(device({ kvm: true })).toMatch(/,mq=on,vectors=6$/);
  });
  test('testpmd: each NIC a client of its own port socket, testpmd first with its runtime directory in the lab', () => {
    const p = lab(
      [vm('a'), vm('b'), { kind: 'testpmd', id: 'pmd' }],
      [
        { id: 'l1', a: 'a:e0', b: 'pmd' },
        { id: 'l2', a: 'b:e0', b: 'pmd' },
      ],
      { qemuVersion: { major: 10, minor: 0 } },
    );
    expect(valuesOf(argvOf(p, 'a'), '-chardev')[1]).toBe(`socket,id=chr-pmd,path=${p.stateDir}/pmd.p0.sock`);
    expect(valuesOf(argvOf(p, 'b'), '-chardev')[1]).toBe(`socket,id=chr-pmd,path=${p.stateDir}/pmd.p1.sock`);
    expect(valuesOf(argvOf(p, 'a'), '-object')[0]).toMatch(/^memory-backend-memfd,id=mem,size=\d+M,share=on$/);
    const pmd = p.processes.find((x) => x.kind === 'testpmd');
    expect(pmd?.argv).toEqual([
      'dpdk-testpmd',
      '--no-huge',
      '-m',
      '512',
      '--no-pci',
      '--no-shconf',
      '--no-telemetry',
      '-l',
      '0-1',
      '--file-prefix',
      'pmd',
      '--vdev',
      `net_vhost0,iface=${p.stateDir}/pmd.p0.sock`,
      '--vdev',
      `net_vhost1,iface=${p.stateDir}/pmd.p1.sock`,
      '--',
      '--no-mlockall',
      '--total-num-mbufs=4096',
      '--forward-mode=io',
      '-a',
    ]);
    expect(pmd).toMatchObject({
      holdStdin: true,
      env: { RUNTIME_DIRECTORY: p.stateDir },
      ready: { type: 'path', path: `${p.stateDir}/pmd.p1.sock` },
    });
    expect(p.processes.filter((x) => x.kind === 'vm').map((x) => x.dependsOn)).toEqual([
      ['testpmd-pmd'],
      ['testpmd-pmd'],
    ]);
  });
  test('uml: a linux.uml process whose linked interface joins the multicast group, console on stdio, its files in the lab', () => {
    const nodes: Nodes = [
      vm('a'),
      { kind: 'mcast', id: 'bus', group: '230.0.0.9', port: 4000 },
      {
        kind: 'uml',
        id: 'u',
        memory: 96,
        nics: [{ id: 'eth0', ip: '10.0.9.2/24' }, { id: 'eth1' }, { id: 'eth2', mac: '52:54:00:00:00:22' }],
      },
      { kind: 'mcast', id: 'bus2', group: '230.0.0.10', port: 4001 },
    ];
    const p = lab(
      nodes,
      [
        { a: 'a:e0', b: 'bus' },
        { a: 'u:eth0', b: 'bus' },
        { a: 'u:eth2', b: 'bus2' },
      ],
      { tinyGuest: { x86_64: { kernel: '/g/vmlinuz', initrd: '/g/initrd' } } },
    );
    const uml = p.processes.find((x) => x.kind === 'uml')!;
    const mac = uml.argv.find((w) => w.startsWith('eth0='))!.split(',')[1];
    expect(mac).toMatch(/^52:54:00:[0-9a-f:]{8}$/);
    expect(uml.argv).toEqual([
      'linux.uml',
      'mem=96M',
      'initrd=/g/initrd',
      'umid=u.uml',
      `uml_dir=${p.stateDir}/`,
      `eth0=mcast,${mac},230.0.0.9,4000,1`,
      'eth2=mcast,52:54:00:00:00:22,230.0.0.10,4001,1',
      'qnet.hostname=u',
      'qnet.if0=10.0.9.2/24',
      'con0=fd:0,fd:1',
      'con=null',
    ]);
    expect(uml).toMatchObject({
      holdStdin: true,
      ready: { type: 'path', path: `${p.stateDir}/u.uml/mconsole` },
      stderrLog: `${p.stateDir}/u.console.log`,
      console: { name: 'u', input: `${p.stateDir}/u.console.in` },
      boot: { files: [{ what: 'initrd', path: '/g/initrd' }], tinyGuest: 'x86_64' },
    });
    expect(p.needs.programs).toContainEqual({ program: 'linux.uml', nodes: ['u'] });
    expect(codes(p)).not.toContain('TINY_GUEST_MISSING');
    // The QEMU guest on the same bus keeps its own MAC: the UML interfaces took theirs from the same allocator.
    expect(valuesOf(argvOf(p, 'a'), '-device')[0]).not.toContain(mac);
  });
  test('uml: an interface on a VDE switch joins its directory after the switch runs; one on a bridge opens a tap made for it, which the helper cannot make', () => {
    const nodes: Nodes = [
      vm('a'),
      { kind: 'vde', id: 'sw' },
      { kind: 'bridge', id: 'br' },
      { kind: 'uml', id: 'u', nics: [{ id: 'eth0' }, { id: 'eth1', mac: '52:54:00:00:00:31' }] },
    ];
    const links = [
      { a: 'a:e0', b: 'sw' },
      { a: 'u:eth0', b: 'sw' },
      { a: 'u:eth1', b: 'br' },
    ];
    const p = lab(nodes, links, { tinyGuest: { x86_64: { kernel: '/g/vmlinuz', initrd: '/g/initrd' } } });
    const uml = p.processes.find((x) => x.kind === 'uml')!;
    const mac = uml.argv.find((w) => w.startsWith('eth0='))!.split(',')[2];
    const tap = p.hostSteps.find((s) => s.description.includes('u:eth1'))!.argv[4]!;
    expect(uml.argv.filter((w) => /^eth\d=/.test(w))).toEqual([
      `eth0=vde,${p.stateDir}/sw.vde,${mac}`,
      `eth1=tuntap,${tap},52:54:00:00:00:31`,
    ]);
    expect(uml.dependsOn).toEqual(['vde-sw']);
    expect(p.hostSteps.map((s) => s.argv.join(' '))).toContain(`ip link set ${tap} master ${p.hostSteps[0]!.argv[3]}`);
    // qemu-bridge-helper serves QEMU only: a UML tap on a bridge needs root even in helper mode.
    const helper = lab(nodes, links, { privilege: 'helper' });
    expect(helper.privilege).toBe('root');
    expect(codes(helper)).toContain('ROOT_REQUIRED');
  });
  test('uml: without a tiny guest the plan says how to build it', () => {
    const p = lab(
      [
        { kind: 'uml', id: 'u' },
        { kind: 'mcast', id: 'bus' },
      ],
      [{ a: 'u:eth0', b: 'bus' }],
    );
    expect(p.diagnostics.find((d) => d.code === 'TINY_GUEST_MISSING')?.message).toContain('qnet guest build');
  });
  test('usb-net brings its USB controller, once', () => {
    const p = lab(
      [
        {
          kind: 'vm',
          id: 'a',
          nics: [
            { id: 'e0', model: 'usb-net' },
            { id: 'e1', model: 'usb-net' },
          ],
        },
        { kind: 'nat', id: 'n' },
        { kind: 'nat', id: 'm' },
      ],
      [
        { a: 'a:e0', b: 'n' },
        { a: 'a:e1', b: 'm' },
      ],
    );
    const devices = valuesOf(argvOf(p, 'a'), '-device');
    expect(devices[0]).toBe('qemu-xhci,id=usb');
    expect(devices.slice(1).map((d) => d.split(',')[0])).toEqual(['usb-net', 'usb-net']);
  });
  test('a nat with an smb share: smbserver= passed, smbd needed (Samba)', () => {
    const p = lab(
      [vm('a'), { kind: 'nat', id: 'n', smb: '/srv/share', smbserver: '10.0.2.9' }],
      [{ a: 'a:e0', b: 'n' }],
    );
    expect(valuesOf(argvOf(p, 'a'), '-netdev')[0]).toContain('smb=/srv/share,smbserver=10.0.2.9');
    expect(p.needs.programs).toContainEqual({ program: 'smbd', nodes: ['n'] });
  });
  test('tap vhostforce without /dev/vhost-net is VHOST_NET_MISSING too', () => {
    const p = lab([vm('a'), { kind: 'tap', id: 't', options: { vhostforce: true } }], [{ a: 'a:e0', b: 't' }], {
      vhostNet: false,
    });
    expect(p.diagnostics.map((d) => d.code)).toContain('VHOST_NET_MISSING');
    expect(valuesOf(argvOf(p, 'a'), '-netdev')[0]).toContain('vhostforce=on');
  });
  test('a hubport link is labelled with its hub number', () => {
    const p = lab(
      [vm('a', ['e0', 'e1']), { kind: 'hub', id: 'h' }, { kind: 'nat', id: 'n' }],
      [
        { a: 'a:e0', b: 'h' },
        { a: 'a:e1', b: 'h' },
        { a: 'h', b: 'n' },
      ],
    );
    expect(p.vms[0]!.nics.map((n) => n.realization)).toEqual(['hubport (hub 0)', 'hubport (hub 0)']);
  });
  test('vdpa', () => {
    const p = lab([vm('a'), { kind: 'vdpa', id: 'd', queues: 2 }], [{ a: 'a:e0', b: 'd' }]);
    expect(valuesOf(argvOf(p, 'a'), '-netdev')).toEqual(['vhost-vdpa,id=net-e0,vhostdev=/dev/vhost-vdpa-0,queues=2']);
  });
});

describe('-nic form', () => {
  test('on-board NIC with the backend options, model and MAC', () => {
    const p = lab(
      [
        { kind: 'vm', id: 'a', nics: [{ id: 'e0', form: 'nic', model: 'e1000', mac: '52:54:00:aa:bb:cc' }] },
        { kind: 'nat', id: 'n', restrict: true },
      ],
      [{ a: 'a:e0', b: 'n' }],
    );
    expect(valuesOf(argvOf(p, 'a'), '-nic')).toEqual(['user,id=net-e0,restrict=on,model=e1000,mac=52:54:00:aa:bb:cc']);
    expect(valuesOf(argvOf(p, 'a'), '-device')).toEqual([]);
  });
});

describe('what imported command lines need: explicit addresses, verbatim options and properties', () => {
  const t10 = { qemuVersion: { major: 10, minor: 1 } };
  test('a stream link at a given unix path with a given retry interval', () => {
    const p = lab(
      [vm('a'), vm('b')],
      [{ a: 'a:e0', b: 'b:e0', transport: 'stream', path: '/tmp/qemu0', reconnectMs: 5000 }],
      t10,
    );
    expect(valuesOf(argvOf(p, 'a'), '-netdev')).toEqual([
      'stream,id=net-e0,server=on,addr.type=unix,addr.path=/tmp/qemu0',
    ]);
    expect(valuesOf(argvOf(p, 'b'), '-netdev')).toEqual([
      'stream,id=net-e0,server=off,addr.type=unix,addr.path=/tmp/qemu0,reconnect-ms=5000',
    ]);
    // 8.x takes whole seconds; no retry at all means the listener must start first.
    const old = lab(
      [vm('a'), vm('b')],
      [{ a: 'a:e0', b: 'b:e0', transport: 'stream', path: '/tmp/qemu0', reconnectMs: 5000 }],
      { qemuVersion: { major: 8, minor: 2 } },
    );
    expect(valuesOf(argvOf(old, 'b'), '-netdev')[0]).toMatch(/,reconnect=5$/);
    const never = lab([vm('a'), vm('b')], [{ a: 'a:e0', b: 'b:e0', transport: 'stream', reconnectMs: 0 }], t10);
    expect(valuesOf(argvOf(never, 'b'), '-netdev')[0]).not.toMatch(/reconnect/);
    expect(never.processes.find((x) => x.id === 'vm-b')!.dependsOn).toEqual(['vm-a']);
  });
  test('a dgram link at given unix paths; a dgram inet link at given ports and host', () => {
    const p = lab(
      [vm('a', ['e0', 'e1']), vm('b', ['e0', 'e1'])],
      [
        { a: 'a:e0', b: 'b:e0', transport: 'dgram', path: '/tmp/qemu0', peerPath: '/tmp/qemu1' },
        { a: 'a:e1', b: 'b:e1', transport: 'dgram', family: 'inet', host: '127.0.0.2', port: 5555, peerPort: 7777 },
      ],
      t10,
    );
    expect(valuesOf(argvOf(p, 'a'), '-netdev')).toEqual([
      'dgram,id=net-e0,local.type=unix,local.path=/tmp/qemu0,remote.type=unix,remote.path=/tmp/qemu1',
      'dgram,id=net-e1,local.type=inet,local.host=127.0.0.2,local.port=5555,remote.type=inet,remote.host=127.0.0.2,remote.port=7777',
    ]);
    expect(valuesOf(argvOf(p, 'b'), '-netdev')[1]).toBe(
      'dgram,id=net-e1,local.type=inet,local.host=127.0.0.2,local.port=7777,remote.type=inet,remote.host=127.0.0.2,remote.port=5555',
    );
  });
  test('NIC properties go on -device after what the drawing sets, and win over derived multiqueue ones', () => {
    const p = lab(
      [
        vm('v', [], { nics: [{ id: 'e0', properties: { host_mtu: 9000, csum: false, bus: 'pci.0', vectors: 20 } }] }),
        { kind: 'tap', id: 't', ifname: 'tp0', queues: 4, options: { sndbuf: 1600 } },
      ],
      [{ a: 'v:e0', b: 't' }],
    );
    expect(valuesOf(argvOf(p, 'v'), '-netdev')).toEqual([
      'tap,id=net-e0,ifname=tp0,script=no,downscript=no,queues=4,sndbuf=1600',
    ]);
    expect(valuesOf(argvOf(p, 'v'), '-device')[0]).toMatch(
      /^virtio-net-pci,netdev=net-e0,mac=[0-9a-f:]{17},id=nic-e0,mq=on,host_mtu=9000,csum=off,bus=pci.0,vectors=20$/,
    );
  });
  test('the -nic form cannot carry device properties, so -device is used and said', () => {
    const p = lab(
      [vm('v', [], { nics: [{ id: 'e0', form: 'nic', properties: { romfile: '' } }] }), { kind: 'nat', id: 'n' }],
      [{ a: 'v:e0', b: 'n' }],
    );
    expect(codes(p)).toContain('NIC_FORM_UNSUPPORTED');
    expect(valuesOf(argvOf(p, 'v'), '-nic')).toEqual([]);
  });
  test('options a node does not model are refused when a field of the node owns them', () => {
    expect(() => topo({ nodes: [{ kind: 'tap', id: 't', options: { script: '/etc/qemu-ifup' } }] })).toThrow(
      /script is set by/,
    );
    expect(() => topo({ nodes: [vm('v', [], { nics: [{ id: 'e0', properties: { netdev: 'x' } }] })] })).toThrow(
      /netdev is set by/,
    );
    expect(() => topo({ nodes: [{ kind: 'netdev', id: 'p', type: 'tap' }] })).toThrow(/drawn with a node of its own/);
    expect(() => topo({ nodes: [{ kind: 'netdev', id: 'p', type: 'passt', options: { path: '/tmp/x' } }] })).toThrow(
      /path is set by/,
    );
  });
  test('a VM that brings its own RAM backend gets none from vhost-user', () => {
    const vu = { kind: 'vhost-user' as const, id: 'u', socket: '/tmp/vu.sock' };
    const own = lab(
      [
        vm('v', ['e0'], {
          machine: 'pc,memory-backend=pc.ram',
          extraArgs: ['-object', 'memory-backend-file,id=pc.ram,size=256M,mem-path=/dev/shm/x,share=on'],
        }),
        vu,
      ],
      [{ a: 'v:e0', b: 'u' }],
    );
    expect(valuesOf(argvOf(own, 'v'), '-machine')).toEqual(['pc,memory-backend=pc.ram']);
    expect(valuesOf(argvOf(own, 'v'), '-object')).toEqual([
      'memory-backend-file,id=pc.ram,size=256M,mem-path=/dev/shm/x,share=on',
    ]);
    const numa = lab([vm('v', ['e0'], { extraArgs: ['-numa', 'node,memdev=m0'] }), vu], [{ a: 'v:e0', b: 'u' }]);
    expect(valuesOf(argvOf(numa, 'v'), '-machine')).toEqual(['q35']);
    const plain = lab([vm('v', ['e0']), vu], [{ a: 'v:e0', b: 'u' }]);
    expect(valuesOf(argvOf(plain, 'v'), '-machine')).toEqual(['q35,memory-backend=mem']);
  });
});
