import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { compile } from './index';
import { target, topo, valuesOf } from './testkit';

const one = (vm: Record<string, unknown>, over = {}) =>
  compile(topo({ nodes: [{ kind: 'vm', id: 'v', ...vm }] }), target(over)).vms[0]!;

describe('VM base argv', () => {
  test('x86_64 defaults: q35, tcg, no -cpu, tiny guest placeholders, console, QMP, pidfile', () => {
    const vm = one({});
    expect(vm.argv.slice(0, 16)).toEqual([
      'qemu-system-x86_64',
      '-name',
      'v',
      '-nodefaults',
      '-display',
      'none',
      '-machine',
      'q35',
      '-accel',
      'tcg',
      '-smp',
      '1',
      '-m',
      '256',
      '-kernel',
      '/run/qnet/guest/x86_64/vmlinuz',
    ]);
    expect(vm.argv).not.toContain('-cpu');
    expect(valuesOf(vm.argv, '-initrd')).toEqual(['/run/qnet/guest/x86_64/initramfs.cpio.gz']);
    expect(valuesOf(vm.argv, '-append')).toEqual(['console=ttyS0 no_timer_check qnet.hostname=v']);
    expect(valuesOf(vm.argv, '-chardev')).toEqual([
      'socket,id=con0,path=/run/qnet/lab/v.console.sock,server=on,wait=off,logfile=/run/qnet/lab/v.console.log,logappend=on',
    ]);
    expect(valuesOf(vm.argv, '-serial')).toEqual(['chardev:con0']);
    expect(valuesOf(vm.argv, '-qmp')).toEqual(['unix:/run/qnet/lab/v.qmp.sock,server=on,wait=off']);
    expect(valuesOf(vm.argv, '-pidfile')).toEqual(['/run/qnet/lab/v.pid']);
    expect(vm).toMatchObject({
      console: '/run/qnet/lab/v.console.sock',
      consoleLog: '/run/qnet/lab/v.console.log',
      qmp: '/run/qnet/lab/v.qmp.sock',
      pidfile: '/run/qnet/lab/v.pid',
    });
  });
  test("the chosen QEMU runs a VM that names no binary or the installed one's; a VM's own other binary stays", () => {
    const qemu = { binaries: { x86_64: '/q10/usr/bin/qemu-system-x86_64' }, dataDirs: ['/q10/share'], env: { M: '1' } };
    for (const binary of [undefined, 'qemu-system-x86_64']) {
      const vm = one(binary ? { binary } : {}, { qemu });
      expect(vm.argv.slice(0, 3)).toEqual(['/q10/usr/bin/qemu-system-x86_64', '-L', '/q10/share']);
      expect(vm).toMatchObject({ binary: '/q10/usr/bin/qemu-system-x86_64', env: { M: '1' } });
    }
    const own = one({ binary: '/opt/q/qemu' }, { qemu });
    expect(own.argv.slice(0, 2)).toEqual(['/opt/q/qemu', '-name']);
    expect(own.env).toBeUndefined();
  });
  test('kvm when probed; explicit accel and cpu honoured; custom binary', () => {
    expect(valuesOf(one({}, { kvm: true }).argv, '-accel')).toEqual(['kvm']);
    const vm = one({ accel: 'tcg', cpu: 'Haswell', binary: '/opt/q/qemu', smp: 2, memory: 512 }, { kvm: true });
    expect(vm.argv[0]).toBe('/opt/q/qemu');
    expect(valuesOf(vm.argv, '-accel')).toEqual(['tcg']);
    expect(valuesOf(vm.argv, '-cpu')).toEqual(['Haswell']);
    expect(valuesOf(vm.argv, '-smp')).toEqual(['2']);
    expect(valuesOf(vm.argv, '-m')).toEqual(['512']);
  });
  test('aarch64: virt, -cpu max under tcg (host under kvm on an aarch64 host), ttyAMA0, virtio-net-device', () => {
    const t = topo({
      nodes: [
        { kind: 'vm', id: 'v', arch: 'aarch64', nics: [{ id: 'e0' }] },
        { kind: 'nat', id: 'n' },
      ],
      links: [{ a: 'v:e0', b: 'n' }],
    });
    const vm = compile(t, target()).vms[0]!;
    expect(vm.argv[0]).toBe('qemu-system-aarch64');
    expect(valuesOf(vm.argv, '-machine')).toEqual(['virt']);
    expect(valuesOf(vm.argv, '-cpu')).toEqual(['max']);
    expect(valuesOf(vm.argv, '-append')[0]).toMatch(/^console=ttyAMA0 /);
    expect(valuesOf(vm.argv, '-device')[0]).toMatch(/^virtio-net-device,netdev=net-e0,/);
    expect(valuesOf(compile(t, target({ kvm: true, hostArch: 'aarch64' })).vms[0]!.argv, '-cpu')).toEqual(['host']);
  });
  test('riscv64 virt uses ttyS0 and virtio-net-device; microvm uses virtio-net-device', () => {
    const rv = one({ arch: 'riscv64', nics: [{ id: 'e0' }] });
    expect(valuesOf(rv.argv, '-append')[0]).toMatch(/^console=ttyS0 /);
    expect(valuesOf(rv.argv, '-device')[0]).toMatch(/^virtio-net-device,/);
    expect(valuesOf(one({ machine: 'microvm', nics: [{ id: 'e0' }] }).argv, '-device')[0]).toMatch(
      /^virtio-net-device,/,
    );
    expect(valuesOf(one({ machine: 'pc', nics: [{ id: 'e0' }] }).argv, '-device')[0]).toMatch(/^virtio-net-pci,/);
  });
  test('tiny guest from the target; IP hints per NIC index', () => {
    const vm = one(
      {
        name: 'Web 1',
        nics: [{ id: 'e0', ip: '10.0.0.1/24', gateway: '10.0.0.254' }, { id: 'e1' }, { id: 'e2', ip: 'dhcp' }],
      },
      { tinyGuest: { x86_64: { kernel: '/k', initrd: '/i' } } },
    );
    expect(valuesOf(vm.argv, '-kernel')).toEqual(['/k']);
    expect(valuesOf(vm.argv, '-initrd')).toEqual(['/i']);
    expect(valuesOf(vm.argv, '-append')).toEqual([
      'console=ttyS0 no_timer_check qnet.hostname=web-1 qnet.if0=10.0.0.1/24 qnet.gw0=10.0.0.254 qnet.if2=dhcp',
    ]);
    expect(vm.name).toBe('Web 1');
  });
  test('boot.run: each command one qnet.runN word the guest init decodes with busybox httpd -d', () => {
    const run = [
      'mkdir -p /www && echo \'a "b" *\' > /www/index.html && httpd -p 80 -h /www',
      'echo ${HOME} $(id) ~ ? [x] 100% é\ttab',
    ];
    const append = valuesOf(one({ boot: { type: 'tiny', run } }).argv, '-append')[0]!;
    const words = append.split(' ').filter((w) => w.startsWith('qnet.run'));
    expect(words.map((w) => w.split('=')[0])).toEqual(['qnet.run0', 'qnet.run1']);
    for (const [i, w] of words.entries()) {
      // A word the kernel and the init's unquoted word splitting pass through unchanged: no quote, space or glob.
      expect(w).toMatch(/^qnet\.run\d=[A-Za-z0-9%._~-]+$/);
      const decoded = spawnSync('busybox', ['httpd', '-d', w.slice(w.indexOf('=') + 1)], { encoding: 'utf8' });
      expect(decoded.stdout.replace(/\n$/, '')).toBe(run[i]);
    }
  });
  test('kernel boot with initrd, append and dtb', () => {
    const vm = one({
      boot: { type: 'kernel', kernel: '/k', initrd: '/i', append: 'console=ttyS0 quiet', dtb: '/d.dtb' },
    });
    expect(vm.argv).toEqual(
      expect.arrayContaining(['-kernel', '/k', '-initrd', '/i', '-append', 'console=ttyS0 quiet', '-dtb', '/d.dtb']),
    );
  });
  test('disk boot: virtio drives with snapshot overlay, commas escaped', () => {
    const vm = one({
      boot: {
        type: 'disk',
        images: [
          { path: '/img/a,b.qcow2', format: 'qcow2' },
          { path: '/img/raw.img', snapshot: false },
        ],
      },
    });
    expect(valuesOf(vm.argv, '-drive')).toEqual([
      'file=/img/a,,b.qcow2,if=virtio,format=qcow2,node-name=disk0,snapshot=on',
      'file=/img/raw.img,if=virtio,node-name=disk1',
    ]);
    expect(vm.argv).not.toContain('-kernel');
    expect(vm.disks).toEqual([
      { nodeName: 'disk0', file: '/img/a,b.qcow2', format: 'qcow2', persistent: false },
      { nodeName: 'disk1', file: '/img/raw.img', format: null, persistent: true },
    ]);
  });
  test('a linked clone: the drive opens an overlay in the lab directory that qemu-img makes over the image', () => {
    const vm = one({
      boot: { type: 'disk', images: [{ path: '/img/base.qcow2', format: 'qcow2', clone: 'keep' }] },
      disks: [{ path: '/img/scratch.raw', format: 'raw', clone: 'discard' }],
    });
    const dir = vm.pidfile.slice(0, vm.pidfile.lastIndexOf('/'));
    expect(valuesOf(vm.argv, '-drive')).toEqual([
      `file=${dir}/v.disk0.qcow2,if=virtio,format=qcow2,node-name=disk0`,
      `file=${dir}/v.disk1.qcow2,if=virtio,format=qcow2,node-name=disk1`,
    ]);
    expect(vm.disks?.map((d) => d.overlay)).toEqual([
      {
        base: '/img/base.qcow2',
        baseFormat: 'qcow2',
        path: `${dir}/v.disk0.qcow2`,
        create: [
          'qemu-img',
          'create',
          '-q',
          '-f',
          'qcow2',
          '-F',
          'qcow2',
          '-b',
          '/img/base.qcow2',
          `${dir}/v.disk0.qcow2`,
        ],
        info: ['qemu-img', 'info', '--output=json', `${dir}/v.disk0.qcow2`],
        rebase: ['qemu-img', 'rebase', '-u', '-F', 'qcow2', '-b', '/img/base.qcow2', `${dir}/v.disk0.qcow2`],
        keep: true,
      },
      {
        base: '/img/scratch.raw',
        baseFormat: 'raw',
        path: `${dir}/v.disk1.qcow2`,
        create: [
          'qemu-img',
          'create',
          '-q',
          '-f',
          'qcow2',
          '-F',
          'raw',
          '-b',
          '/img/scratch.raw',
          `${dir}/v.disk1.qcow2`,
        ],
        info: ['qemu-img', 'info', '--output=json', `${dir}/v.disk1.qcow2`],
        rebase: ['qemu-img', 'rebase', '-u', '-F', 'raw', '-b', '/img/scratch.raw', `${dir}/v.disk1.qcow2`],
        keep: false,
      },
    ]);
    // The base is still a file the guest reads: preflight checks it is there.
    expect(vm.bootFiles).toEqual([
      { what: 'disk image', path: '/img/base.qcow2' },
      { what: 'disk image', path: '/img/scratch.raw' },
    ]);
  });
  test('a scratch disk beside the tiny guest', () => {
    const vm = one({ disks: [{ path: '/img/s.qcow2', format: 'qcow2', snapshot: false }] });
    expect(vm.argv).toContain('-kernel');
    expect(valuesOf(vm.argv, '-drive')).toEqual(['file=/img/s.qcow2,if=virtio,format=qcow2,node-name=disk0']);
  });
  test('cdrom boot and no boot', () => {
    expect(one({ boot: { type: 'cdrom', path: '/iso/x.iso' } }).argv).toEqual(
      expect.arrayContaining(['-cdrom', '/iso/x.iso', '-boot', 'd']),
    );
    expect(one({ boot: { type: 'none' } }).argv).not.toContain('-kernel');
  });
  test('a comma in the name is escaped for -name; extra args come last', () => {
    const vm = one({ name: 'a,b', extraArgs: ['-rtc', 'base=utc'] });
    expect(valuesOf(vm.argv, '-name')).toEqual(['a,,b']);
    expect(vm.argv.slice(-2)).toEqual(['-rtc', 'base=utc']);
  });
  test('the VM process carries the same argv, readiness from QMP', () => {
    const plan = compile(topo({ nodes: [{ kind: 'vm', id: 'v' }] }), target());
    expect(plan.processes).toEqual([
      {
        id: 'vm-v',
        kind: 'vm',
        node: 'v',
        argv: plan.vms[0]!.argv,
        dependsOn: [],
        ready: { type: 'qmp', socket: '/run/qnet/lab/v.qmp.sock' },
        holdStdin: false,
        pidfile: '/run/qnet/lab/v.pid',
        stderrLog: '/run/qnet/lab/v.stderr.log',
      },
    ]);
    expect(plan.privilege).toBe('user');
    expect(plan.netns).toBeNull();
  });
});
