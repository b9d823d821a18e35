import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { compile, DEFAULT_TARGET, machinePairs, type Target } from '../compiler';
import type { Topology, TopologyNode } from '../model';
import { parsePair, probeNicModels } from '../../electron/engine/probe-nic-models';
import { writePausedGuest } from '../../electron/testkit/fakeGuest';
import { listNetns } from '../../electron/testkit/netns';
import { predictedWarnings, qemuWarnings, runPaused } from '../../electron/testkit/pausedPlan';
import { netdevBackends, qemuVersion } from '../../electron/testkit/qemuProbe';
import { importQemu } from './index';

// Real QEMU: every corpus file whose re-emitted argv can start on this machine is imported, compiled for this
// machine's QEMU and started paused (-S), as root, in a network namespace of its own; each guest must come up and
// print exactly the warnings the compiler predicted.
const DIR = join(import.meta.dirname, 'fixtures/qemu-cmdlines');
const base = mkdtempSync(join(tmpdir(), 'qni-'));
const guest = writePausedGuest(join(base, 'guest'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/**
 * Files that cannot start on this machine whatever the importer does, and why: what they need is not here (a board
 * or backend this QEMU lacks, a host device, an address outside the namespace) or their own text is for another
 * QEMU. Everything else must start.
 */
const CANNOT_START: Record<string, string> = {
  'libvirt-net-vdpa.args': 'a vDPA device (/dev/fdset/0 from libvirt)',
  'libvirt-old-kv-net-vdpa.args': 'a vDPA device (/dev/fdset/0 from libvirt)',
  'libvirt-net-vhostuser.args': 'vhost-user backends listening on /tmp/vhost*.sock',
  'libvirt-old-kv-net-vhostuser.args': 'vhost-user backends listening on /tmp/vhost*.sock',
  'qemu-doc-netdev-vhost-user-type-syntax.args': 'a vhost-user backend at /path/to/socket',
  'qemu-netrst-vhost-user-passt-memfd.args': 'passt in vhost-user mode',
  'libvirt-net-user-passt.args': 'passt listening on its socket',
  'qemu-doc-netdev-stream-unix-passt.args': 'passt listening on its socket',
  'qemu-netrst-netdev-stream-passt-socket.args': 'passt listening on its socket',
  'libvirt-net-server.args': 'the address 192.168.0.1 on this host',
  'libvirt-old-kv-net-udp.args': 'the address 192.168.10.1 on this host',
  'qemu-doc-netdev-socket-mcast-localaddr.args': 'the address 1.2.3.4 on this host',
  'qemu-doc-nic-user-guestfwd-tcp.args': 'a server at 10.10.1.1:4321 (guestfwd connects at start)',
  'qemu-doc-nic-user-hostfwd-unix.args': 'QEMU 10.2 (hostfwd=unix: is newer than 7.2)',
  'qemu-doc-riscv-icicle-kit-two-nics.args': 'qemu-system-riscv64',
  'qemu-doc-powernv-e1000e-user-hostfwd.args': 'qemu-system-ppc64',
  'libvirt-old-kv-net-eth-unmanaged-tap.args': 'QEMU 6.2 or older (-realtime was removed in 7.0)',
  'libvirt-old-kv-net-mcast.args': 'QEMU 6.2 or older (-realtime was removed in 7.0)',
  'libvirt-old-kv-net-virtio-disable-offloads.args': 'QEMU 6.2 or older (-realtime was removed in 7.0)',
  'libvirt-old-kv-net-many-models.args': 'a NIC model idontexist (libvirt test data), and QEMU 6.2 (-realtime)',
  'qemu-doc-netdev-af-xdp-queues.args': 'the af-xdp backend (QEMU 8.2 with libxdp) and an eth0',
  'qemu-doc-nic-passt-param.args': 'the passt backend (QEMU 10.1)',
  'qemu-netrst-net-nic-net-passt-ports.args': 'the passt backend (QEMU 10.1)',
  'qemu-netrst-netdev-passt-virtio.args': 'the passt backend (QEMU 10.1)',
  'qemu-netrst-nic-passt-vhost-user.args': 'the passt backend (QEMU 10.1)',
  ...(existsSync('/dev/vhost-net')
    ? {}
    : {
        'libvirt-net-mtu.args': '/dev/vhost-net (its taps have vhost=on)',
        'libvirt-tap-vhost.args': '/dev/vhost-net (its tap has vhost=on)',
      }),
};

/**
 * What the test machine stands in for: a kernel that never runs instead of the guest's own boot, and no options that
 * reach host files, descriptors or devices it does not have (disks, libvirt's monitor descriptor and secret, PCI
 * devices passed through with vfio, device models of a newer QEMU).
 */
const ABSENT =
  /(^|,)(fd|drive|chardev)=|"(fd|drive|chardev)":|vfio-pci|^-(drive|blockdev|hd[a-d]|cdrom|add-fd|bios|sd|mon)$/;
/** A file an option names (`file=`, `"filename":`) that this machine does not have. */
const missingFile = (value: string) =>
  [...value.matchAll(/(?:^|,)(?:file|filename)=([^,]+)|"(?:file|filename)":"([^"]+)"/g)].some(
    (m) => !existsSync(m[1] ?? m[2] ?? ''),
  );
const deviceModels = new Map<string, Set<string>>();
/** The -device models of the installed qemu-system-<arch> (`-device help`). */
function devicesOf(arch: string): Set<string> {
  let known = deviceModels.get(arch);
  if (!known) {
    const r = spawnSync(`qemu-system-${arch}`, ['-device', 'help'], { encoding: 'utf8' });
    known = new Set([...`${r.stdout}`.matchAll(/^name "([^"]+)"/gm)].map((m) => m[1]!));
    deviceModels.set(arch, known);
  }
  return known;
}
const driverOf = (value: string) =>
  /^\{/.test(value) ? (/"driver":"([^"]+)"/.exec(value)?.[1] ?? '') : (value.split(',')[0] ?? '');

function standIn(t: Topology, dir: string): Topology {
  const nodes = t.nodes.map((n): TopologyNode => {
    if (n.kind === 'vde' && n.sock !== undefined) return { ...n, sock: join(dir, `${n.id}.vde`) };
    // A host bridge this machine lacks is made inside the namespace.
    if (n.kind === 'bridge') return { ...n, external: false };
    if (n.kind !== 'vm') return n;
    const extra: string[] = [];
    for (let i = 0; i < n.extraArgs.length; i++) {
      const word = n.extraArgs[i]!;
      const value = n.extraArgs[i + 1];
      const takes = word.startsWith('-') && value !== undefined && !value.startsWith('-');
      if (!word.startsWith('-')) continue; // a positional disk image
      const newer = word === '-device' && takes && !devicesOf(n.arch).has(driverOf(value));
      if (
        newer ||
        ABSENT.test(word) ||
        (takes && (ABSENT.test(value) || missingFile(value)) && !value.startsWith('memory-backend'))
      ) {
        if (takes) i++;
        continue;
      }
      extra.push(word);
      if (takes) {
        extra.push(value);
        i++;
      }
    }
    // KVM does not work on the test machine: its guests run under TCG (and `-cpu host` needs KVM).
    return {
      ...n,
      accel: 'tcg',
      ...(n.cpu === 'host' ? { cpu: 'max' } : {}),
      boot: { type: 'kernel', kernel: guest.kernel, initrd: guest.initrd, append: '' },
      extraArgs: extra,
    };
  });
  return { ...t, nodes };
}

const version = qemuVersion();
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.args'))
  .sort();
const root = process.getuid?.() === 0;
let n = 0;

describe.skipIf(!root)(
  'imported corpus files start on the installed QEMU, paused, with only the predicted warnings',
  () => {
    test('the files that cannot start here are exactly the listed ones, for the reasons given', () => {
      for (const f of Object.keys(CANNOT_START)) expect(files).toContain(f);
    });
    test.each(files.filter((f) => !(f in CANNOT_START)))('%s', async (f) => {
      const r = importQemu(readFileSync(join(DIR, f), 'utf8'), { name: `i${n}` });
      expect(r.topology).not.toBeNull();
      const dir = join(base, String(n++));
      const t = standIn(r.topology!, dir);
      const arches = new Set(t.nodes.flatMap((x) => (x.kind === 'vm' ? [x.arch] : [])));
      for (const arch of arches) expect(existsSync(`/usr/bin/qemu-system-${arch}`), `qemu-system-${arch}`).toBe(true);
      const target: Target = {
        ...DEFAULT_TARGET,
        qemuVersion: { major: version.major, minor: version.minor },
        netdevBackends: netdevBackends(),
        nicModels: Object.fromEntries(
          machinePairs(t).flatMap((pair) => {
            const p = parsePair(pair)!;
            const models = probeNicModels(p.arch, p.machine);
            return models.length > 0 ? [[pair, models]] : [];
          }),
        ),
        vhostNet: existsSync('/dev/vhost-net'),
        privilege: 'root',
        isolation: 'netns',
        stateDir: dir,
        tinyGuest: {},
      };
      const plan = compile(t, target);
      expect(plan.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`)).toEqual([]);
      const before = listNetns();
      const run = await runPaused(plan);
      for (const vm of plan.vms) {
        const err = run.stderr.get(`vm-${vm.node}`) ?? '';
        expect(err, `${f} ${vm.node} stderr`).not.toMatch(/qemu-system-[a-z0-9_]+: (?!warning|terminating)/);
        expect(run.exited.get(`vm-${vm.node}`), `${f} ${vm.node} stayed up until stopped`).not.toBe(1);
        expect(qemuWarnings(err), `${f} ${vm.node} warnings`).toEqual(predictedWarnings(plan, vm.node));
      }
      expect(listNetns()).toEqual(before.filter((x) => x !== plan.netns));
    });
  },
);
