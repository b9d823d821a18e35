import { describe, expect, test } from 'vitest';
import { compile, DEFAULT_TARGET } from '../compiler';
import { target, topo } from '../compiler/testkit';
import { emitScripts } from '../emit';
import type { Topology, TopologyNode } from '../model';
import { importQemu, networkEquivalent, qemuCommands, type ImportResult } from './index';

const imp = (text: string) => importQemu(text);
const codes = (r: ImportResult) => r.diagnostics.map((d) => d.code);
const at = (r: ImportResult, code: string) =>
  r.diagnostics.filter((d) => d.code === code).map((d) => [d.line, d.column]);
const node = (t: Topology | null, id: string) =>
  t?.nodes.find((n) => n.id === id) as (TopologyNode & Record<string, unknown>) | undefined;

describe('scripts as people write them', () => {
  test('environment, sudo, a variable for the emulator, a trailing tee and &, several VMs', () => {
    const r = imp(`#!/bin/sh
QEMU=qemu-system-aarch64
ip link add br0 type bridge
sudo -E LC_ALL=C $QEMU -M virt -m 1G -kernel "$KERNEL" \\
  -netdev user,id=n0 -device virtio-net-device,netdev=n0 2>&1 | tee a.log &
env X=1 nice -n 5 qemu-system-x86_64 -nic user,model=e1000 &
wait
`);
    const vms = r.topology!.nodes.filter((n) => n.kind === 'vm');
    expect(vms.map((v) => v.kind === 'vm' && [v.id, v.arch, v.memory, v.boot.type])).toEqual([
      ['vm1', 'aarch64', 1024, 'kernel'],
      ['vm2', 'x86_64', 128, 'tiny'],
    ]);
    expect(node(r.topology, 'vm1')!.boot).toEqual({ type: 'kernel', kernel: '$KERNEL', append: '' });
    expect(at(r, 'IMPORT_SHELL_VARIABLE')).toEqual([[4, 47]]);
    expect(r.diagnostics.find((d) => d.code === 'IMPORT_NOT_QEMU')).toMatchObject({
      line: 3,
      message: 'lines 3, 5, 7 run other programs than QEMU, left out',
    });
    expect(codes(r)).toContain('IMPORT_DROPPED');
    expect(r.partial).toBe(false);
  });
  test('an array assigned once is read where it is expanded; one assigned again depends on the run and is left out', () => {
    const r = imp(`ARGS=(qemu-system-x86_64 -m 512
  -nic user,model=e1000)
EXTRA=()
EXTRA=(-m 64)
sudo "\${ARGS[@]}" "\${EXTRA[@]}" &
`);
    expect(r.topology!.nodes.filter((n) => n.kind === 'vm').map((v) => v.kind === 'vm' && v.memory)).toEqual([512]);
    expect(r.topology!.nodes.map((n) => n.kind).sort()).toEqual(['nat', 'vm']);
    expect(qemuCommands('A=(qemu-system-x86_64 -m 1)\n"${A[@]}" -S')).toEqual([
      ['qemu-system-x86_64', '-m', '1', '-S'],
    ]);
  });
  test('no QEMU command at all is an error, with no drawing', () => {
    const r = imp('echo hello\nls -l\n');
    expect(r.topology).toBeNull();
    expect(r.partial).toBe(true);
    expect(codes(r)).toEqual(['IMPORT_NO_QEMU']);
  });
});

describe('bad input: a diagnostic with line and column, never a crash, never a partial result presented as whole', () => {
  test('a dangling option, a netdev= naming nothing, JSON that does not parse', () => {
    const r = imp(
      'qemu-system-x86_64 \\\n  -device e1000,netdev=nope \\\n  -netdev \'{"type":"user",\' -device virtio-net-pci,netdev=u \\\n  -netdev',
    );
    expect(at(r, 'IMPORT_NETDEV_UNKNOWN')).toEqual([
      [2, 17],
      [3, 52],
    ]);
    expect(at(r, 'IMPORT_BAD_VALUE')).toEqual([[3, 27]]);
    expect(at(r, 'IMPORT_MISSING_VALUE')).toEqual([[4, 3]]);
    expect(r.partial).toBe(true);
    // The NICs are there, unlinked: the drawing shows what it could take.
    expect(node(r.topology, 'vm1')!.nics).toHaveLength(2);
    expect(r.topology!.links).toEqual([]);
  });
  test('a missing dash is read as the option it names, and said', () => {
    const r = imp('qemu-system-x86_64 netdev user,id=u -device e1000,netdev=u');
    expect(at(r, 'IMPORT_MISSING_DASH')).toEqual([[1, 20]]);
    expect(r.topology!.links).toHaveLength(1);
  });
  test('a netdev used twice, a netdev used by nothing, a short-form boolean', () => {
    const r = imp(
      'qemu-system-x86_64 -netdev user,id=u -netdev user,id=v -device e1000,netdev=u -device e1000,netdev=u -chardev socket,id=c,path=/tmp/c,server,nowait',
    );
    expect(codes(r)).toEqual(expect.arrayContaining(['IMPORT_NETDEV_TWICE', 'IMPORT_NETDEV_UNUSED']));
  });
});

describe('every networking form', () => {
  test('-nic, -net nic with -net TYPE on hub 0, vlan= hubs, explicit hubports', () => {
    const r = imp(
      'qemu-system-x86_64 -nic user,model=virtio,mac=52:54:00:00:00:01 -net nic,model=rtl8139 -net user,hostname=g -net nic,vlan=2 -net nic,vlan=2 -net user,vlan=2 -netdev hubport,id=p0,hubid=5 -device e1000,netdev=p0 -netdev hubport,id=p1,hubid=5 -device e1000,netdev=p1',
    );
    const t = r.topology!;
    const vm = node(t, 'vm1') as unknown as { nics: { id: string; model: string; form: string }[] };
    expect(vm.nics.map((n) => [n.model, n.form])).toEqual([
      ['virtio', 'nic'],
      ['rtl8139', 'nic'],
      ['e1000', 'nic'],
      ['e1000', 'nic'],
      ['e1000', 'device'],
      ['e1000', 'device'],
    ]);
    // Hub 0 joins one NIC and one backend: it is a plain NIC on user networking.
    expect(t.links.filter((l) => l.a === 'vm1:eth1')).toMatchObject([{ b: 'nat2' }]);
    expect(node(t, 'nat2')).toMatchObject({ kind: 'nat', hostname: 'g' });
    // vlan=2: a hub with two NICs and a NAT; hubid 5: a hub of two NICs.
    expect(t.nodes.filter((n) => n.kind === 'hub').map((n) => n.id)).toEqual(['vm1-hub2', 'vm1-hub5']);
    expect(codes(r)).toContain('IMPORT_VLAN');
    const plan = compile(t, DEFAULT_TARGET);
    expect(
      networkEquivalent(
        qemuCommands(
          'qemu-system-x86_64 -nic user,model=virtio,mac=52:54:00:00:00:01 -net nic,model=rtl8139 -net user,hostname=g -net nic,vlan=2 -net nic,vlan=2 -net user,vlan=2 -netdev hubport,id=p0,hubid=5 -device e1000,netdev=p0 -netdev hubport,id=p1,hubid=5 -device e1000,netdev=p1',
        )[0]!,
        plan.vms[0]!.argv,
      ),
    ).toEqual({ equivalent: true, differences: [] });
  });
  test('pre-opened taps become taps the lab makes, said per descriptor; fds= gives the queue count', () => {
    const r = imp(
      `qemu-system-x86_64 -netdev '{"type":"tap","fds":"3:4:5","vhost":true,"vhostfds":"6:7:8","id":"h"}' -device '{"driver":"virtio-net-pci","netdev":"h","mq":true,"vectors":8}'`,
    );
    expect(node(r.topology, 'tap')).toMatchObject({ kind: 'tap', queues: 3, vhost: true });
    expect(at(r, 'IMPORT_FD')).toHaveLength(2);
  });
  test('a vhost-user chardev becomes the node; the guest RAM backend it needs stays the guest’s', () => {
    const r = imp(
      'qemu-system-x86_64 -object memory-backend-file,id=mem,size=512M,mem-path=/dev/hugepages,share=on -numa node,memdev=mem -chardev socket,id=chr0,path=/tmp/vu.sock,server=on,wait=off -netdev type=vhost-user,id=net0,chardev=chr0,queues=2 -device virtio-net-pci,netdev=net0',
    );
    expect(node(r.topology, 'chr0')).toMatchObject({
      kind: 'vhost-user',
      socket: '/tmp/vu.sock',
      mode: 'server',
      queues: 2,
    });
    expect(node(r.topology, 'vm1')!.extraArgs).toEqual([
      '-object',
      'memory-backend-file,id=mem,size=512M,mem-path=/dev/hugepages,share=on',
      '-numa',
      'node,memdev=mem',
    ]);
    const argv = compile(r.topology!, DEFAULT_TARGET).vms[0]!.argv;
    expect(argv.filter((a) => a.startsWith('memory-backend'))).toHaveLength(1);
  });
  test('backends the drawing has no node for are kept as written, never dropped', () => {
    const r = imp(
      'qemu-system-x86_64 -netdev af-xdp,id=x,ifname=eth0,queues=4 -device virtio-net-pci,netdev=x -nic passt,path=/opt/passt,tcp-ports=22',
    );
    expect(node(r.topology, 'af-xdp')).toMatchObject({
      kind: 'netdev',
      type: 'af-xdp',
      options: { ifname: 'eth0', queues: '4' },
    });
    expect(node(r.topology, 'passt')).toMatchObject({ kind: 'netdev', type: 'passt', options: { 'tcp-ports': '22' } });
    expect(codes(r).filter((c) => c === 'IMPORT_AS_WRITTEN')).toHaveLength(2);
    expect(r.diagnostics.find((d) => d.code === 'IMPORT_LOST')?.message).toMatch(/path=\/opt\/passt/);
  });
  test('links across command lines: a socket pair, a UDP pair, one VDE switch, one bridge', () => {
    const r =
      imp(`qemu-system-x86_64 -name a -nic socket,listen=127.0.0.1:4000 -nic socket,udp=127.0.0.1:5001,localaddr=127.0.0.1:5000 -nic vde,sock=/tmp/sw -nic bridge,br=br7
qemu-system-x86_64 -name b -nic socket,connect=127.0.0.1:4000 -nic socket,udp=127.0.0.1:5000,localaddr=127.0.0.1:5001 -nic vde,sock=/tmp/sw -nic bridge,br=br7`);
    const t = r.topology!;
    expect(t.links.map((l) => [l.a, l.b, l.transport])).toEqual([
      ['a:eth2', 'vde', 'auto'],
      ['a:eth3', 'br7', 'auto'],
      ['b:eth2', 'vde', 'auto'],
      ['b:eth3', 'br7', 'auto'],
      ['a:eth0', 'b:eth0', 'socket'],
      ['a:eth1', 'b:eth1', 'socket-udp'],
    ]);
    expect(t.links[5]).toMatchObject({ port: 5000, peerPort: 5001, family: 'inet' });
  });
});

describe('what the lab sets itself', () => {
  test.each(['netns', 'userns'] as const)(
    'an exported up.sh (%s) reads back to its drawing: the lab’s console, QMP and pidfile left out',
    (isolation) => {
      const t = topo({
        name: 'round',
        nodes: [
          { kind: 'vm', id: 'a', nics: [{ id: 'e0' }] },
          { kind: 'vm', id: 'b', nics: [{ id: 'e0' }, { id: 'e1' }] },
          { kind: 'nat', id: 'n' },
        ],
        links: [
          { a: 'a:e0', b: 'b:e0' },
          { a: 'b:e1', b: 'n' },
        ],
      });
      const plan = compile(t, target({ isolation }));
      const up = emitScripts(plan);
      if (!up.ok) throw new Error('emit');
      const r = importQemu(up.files.find((f) => f.path === 'up.sh')!.content, { name: 'round' });
      expect(r.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
      const again = compile(r.topology!, target({ isolation }));
      expect(again.vms.map((v) => v.argv)).toEqual(plan.vms.map((v) => v.argv));
      expect(node(r.topology, 'b')!.nics).toMatchObject([{ id: 'e0' }, { id: 'e1' }]);
    },
  );
});
