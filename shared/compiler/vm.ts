import type { Boot, VmNode } from '../model/schema';
import { standardQemu, usesStandardQemu } from '../model/trust';
import type { BootFile, VmPlan } from './plan';
import type { Ctx } from './context';
import type { HubPlan } from './hubs';
import type { P2pPlan } from './p2p';
import { checkUnixPath } from './context';
import { IdAllocator, guestHostname, utf8Bytes } from './derive';
import { diag } from './diagnostics';
import { nodePath } from './docpath';
import { accelOf, cpuOf, machineInfo, type MachineInfo } from './machine';
import { backendPorts, helperBridge } from './needs';
import { vmNetworking } from './nics';
import { vmDrives } from './disks';
import { escapeOptValue, qopts, readOpts } from '../qemuopts';

/** Where a VM's console, QMP socket and pidfile live in the lab's state directory. */
export function vmPaths(
  labDir: string,
  vm: string,
): { console: string; consoleLog: string; qmp: string; pidfile: string } {
  return {
    console: `${labDir}/${vm}.console.sock`,
    consoleLog: `${labDir}/${vm}.console.log`,
    qmp: `${labDir}/${vm}.qmp.sock`,
    pidfile: `${labDir}/${vm}.pid`,
  };
}

/**
 * The tiny guest's kernel command line: the console, then hostname and address hints per NIC index. On x86,
 * `no_timer_check` too: under TCG on a loaded host the kernel's boot-time check of the IO-APIC timer can miss its
 * ticks and panic ("IO-APIC + timer doesn't work!"); an emulated timer is known to work.
 */
function tinyAppend(vm: VmNode, m: MachineInfo): string {
  const x86 = vm.arch === 'x86_64' || vm.arch === 'i386';
  const parts = [
    `console=${m.console}`,
    ...(x86 ? ['no_timer_check'] : []),
    `qnet.hostname=${guestHostname(vm.name ?? vm.id, vm.id)}`,
  ];
  vm.nics.forEach((nic, i) => {
    if (nic.ip !== undefined) parts.push(`qnet.if${i}=${nic.ip}`);
    if (nic.gateway !== undefined) parts.push(`qnet.gw${i}=${nic.gateway}`);
  });
  if (vm.boot.type === 'tiny') vm.boot.run?.forEach((cmd, i) => parts.push(`qnet.run${i}=${kernelWord(cmd)}`));
  return parts.join(' ');
}

/**
 * A command as one kernel command line word: percent-encoded (the init decodes it with busybox `httpd -d`), with
 * `!'()*` encoded too, so the word holds no quote the kernel reads and no glob the init's word splitting expands.
 */
function kernelWord(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A custom kernel's own command line with the guest's IP hints appended (`qnet.ifN=`, `qnet.gwN=`, the hostname):
 * the tiny guest's init reads them, another init ignores them (the kernel hands unknown words to init).
 */
function withHints(ctx: Ctx, vm: VmNode, append: string, m: MachineInfo): string {
  if (!vm.nics.some((n) => n.ip !== undefined || n.gateway !== undefined)) return append;
  const hints = tinyAppend(vm, m)
    .split(' ')
    .filter((w) => w.startsWith('qnet.'));
  const missing = hints.filter((h) => !append.split(/\s+/).some((w) => w.split('=')[0] === h.split('=')[0]));
  if (missing.length === 0) return append;
  ctx.diagnostics.push(
    diag(
      'IP_HINTS_APPENDED',
      `${vm.id}: its IP hints are appended to the kernel command line (${missing.join(' ')}); only an init that reads them (the tiny guest's) configures the addresses`,
      {
        nodes: [vm.id],
        path: nodePath(ctx.topology, vm.id, 'boot', 'append'),
      },
    ),
  );
  return `${append} ${missing.join(' ')}`.trim();
}

/** COMMAND_LINE_SIZE of x86 and arm64 Linux: the kernel keeps one byte less of its command line. */
const KERNEL_CMDLINE_MAX = 2048;

/** A VM's boot arguments and the host files they name. */
interface BootPlan {
  readonly argv: string[];
  readonly files: BootFile[];
}

function bootArgs(ctx: Ctx, vm: VmNode, boot: Boot, m: MachineInfo): BootPlan {
  switch (boot.type) {
    case 'tiny': {
      const built = ctx.target.tinyGuest[vm.arch];
      const base = `${ctx.target.stateDir.replace(/\/+$/, '')}/guest/${vm.arch}`;
      if (!built) {
        ctx.diagnostics.push(
          diag(
            'TINY_GUEST_MISSING',
            `${vm.id}: the tiny guest is not built for ${vm.arch}; the plan points at ${base}, which "qnet guest build" fills`,
            {
              nodes: [vm.id],
              fix: { label: `Build the tiny guest for ${vm.arch} with "qnet guest build"` },
            },
          ),
        );
      }
      const kernel = built?.kernel ?? `${base}/vmlinuz`;
      const initrd = built?.initrd ?? `${base}/initramfs.cpio.gz`;
      const append = tinyAppend(vm, m);
      if (utf8Bytes(append) >= KERNEL_CMDLINE_MAX) {
        ctx.diagnostics.push(
          diag(
            'KERNEL_CMDLINE_TOO_LONG',
            `${vm.id}: its kernel command line is ${utf8Bytes(append)} bytes (its commands to run at boot, percent-encoded, and its address hints); the kernel keeps ${KERNEL_CMDLINE_MAX - 1}: shorten boot.run, or put a script in a disk image`,
            {
              nodes: [vm.id],
              path: nodePath(ctx.topology, vm.id, 'boot', 'run'),
            },
          ),
        );
      }
      return {
        argv: ['-kernel', kernel, '-initrd', initrd, '-append', append],
        files: [
          { what: 'kernel', path: kernel },
          { what: 'initrd', path: initrd },
        ],
      };
    }
    case 'kernel': {
      const argv = ['-kernel', boot.kernel];
      const files: BootFile[] = [{ what: 'kernel', path: boot.kernel }];
      if (boot.initrd !== undefined) {
        argv.push('-initrd', boot.initrd);
        files.push({ what: 'initrd', path: boot.initrd });
      }
      argv.push('-append', boot.append === undefined ? tinyAppend(vm, m) : withHints(ctx, vm, boot.append, m));
      if (boot.dtb !== undefined) {
        argv.push('-dtb', boot.dtb);
        files.push({ what: 'dtb', path: boot.dtb });
      }
      return { argv, files };
    }
    case 'disk':
      // Its images are drives like the VM's other disks (vmDrives).
      return { argv: [], files: [] };
    case 'cdrom':
      return { argv: ['-cdrom', boot.path, '-boot', 'd'], files: [{ what: 'cdrom', path: boot.path }] };
    case 'none':
      return { argv: [], files: [] };
  }
}

/**
 * True when the VM names its own RAM backend (`-machine …,memory-backend=`, or `-numa node,memdev=` among its extra
 * arguments, as imported command lines do): then the compiler adds none, since QEMU refuses two. Whether that
 * backend is shared (vhost-user needs it) is the user's to say.
 */
function ownsMemoryBackend(vm: VmNode, m: MachineInfo): boolean {
  if (readOpts(m.machine, 'type').some((o) => o.key === 'memory-backend')) return true;
  return vm.extraArgs.some(
    (a, i) =>
      (a === '-numa' || a === '--numa') && readOpts(vm.extraArgs[i + 1] ?? '', 'type').some((o) => o.key === 'memdev'),
  );
}

/** Compile one VM: its whole QEMU argv (machine, boot, console, QMP, pidfile, NICs, extra args) and its paths. */
export function compileVm(
  ctx: Ctx,
  vm: VmNode,
  p2p: ReadonlyMap<string, P2pPlan>,
  hubs: ReadonlyMap<string, HubPlan>,
): VmPlan {
  const m = machineInfo(vm);
  const ids = new IdAllocator();
  const paths = vmPaths(ctx.labDir, vm.id);
  checkUnixPath(ctx, paths.console, `${vm.id} console`, { nodes: [vm.id] });
  checkUnixPath(ctx, paths.qmp, `${vm.id} QMP`, { nodes: [vm.id] });
  const con = ids.take('con0');
  const mem = ids.take('mem');
  const net = vmNetworking(ctx, vm, m, ids, p2p, hubs);
  const shareMem = net.shareMem && !ownsMemoryBackend(vm, m);
  const accel = accelOf(vm, ctx.target);
  if (vm.accel === 'kvm' && accel === 'tcg') {
    ctx.diagnostics.push(
      diag(
        'ACCEL_FOREIGN_ARCH',
        `${vm.id}: KVM runs only guests of this host's architecture (${ctx.target.hostArch ?? 'x86_64'}), not ${vm.arch}, so ${vm.id} runs under TCG`,
        {
          nodes: [vm.id],
          path: nodePath(ctx.topology, vm.id, 'accel'),
          fix: {
            label: `Set ${vm.id}'s accelerator to tcg`,
            action: { kind: 'set-field', node: vm.id, path: ['accel'], value: 'tcg' },
          },
        },
      ),
    );
  }
  const cpu = cpuOf(vm, accel);
  const name = vm.name ?? vm.id;
  // The VM's own binary, else the chosen QEMU's for its arch (with its data directories), else the installed one. A
  // binary named as the installed one's (`qemu-system-x86_64`) means "the standard QEMU", which the choice replaces.
  const chosen = usesStandardQemu(vm) ? ctx.target.qemu?.binaries[vm.arch] : undefined;
  const binary = chosen ?? vm.binary ?? standardQemu(vm.arch);
  const dataDirs = chosen !== undefined ? (ctx.target.qemu?.dataDirs ?? []).flatMap((d) => ['-L', d]) : [];
  const argv: string[] = [binary, ...dataDirs, '-name', escapeOptValue(name), '-nodefaults', '-display', 'none'];
  argv.push('-machine', shareMem ? `${m.machine},memory-backend=${mem}` : m.machine, '-accel', accel);
  if (cpu !== undefined) argv.push('-cpu', cpu);
  argv.push('-smp', String(vm.smp), '-m', String(vm.memory));
  if (shareMem)
    argv.push(
      '-object',
      qopts('memory-backend-memfd', [
        ['id', mem],
        ['size', `${vm.memory}M`],
        ['share', 'on'],
      ]),
    );
  const boot = bootArgs(ctx, vm, vm.boot, m);
  const drives = vmDrives(ctx, vm);
  argv.push(...boot.argv, ...drives.argv);
  argv.push(
    '-chardev',
    qopts('socket', [
      ['id', con],
      ['path', paths.console],
      ['server', 'on'],
      ['wait', 'off'],
      ['logfile', paths.consoleLog],
      ['logappend', 'on'],
    ]),
    '-serial',
    `chardev:${con}`,
    '-qmp',
    qopts(`unix:${paths.qmp.replaceAll(',', ',,')}`, [
      ['server', 'on'],
      ['wait', 'off'],
    ]),
    '-pidfile',
    paths.pidfile,
  );
  argv.push(...net.argv, ...vm.extraArgs);
  if (vm.nics.length === 0)
    ctx.diagnostics.push(
      diag('VM_NO_NICS', `${vm.id} has no NIC, so it has no network`, {
        nodes: [vm.id],
        fix: { label: `Add a NIC to ${vm.id}` },
      }),
    );
  return {
    name,
    node: vm.id,
    argv,
    ...paths,
    arch: vm.arch,
    binary,
    ...(chosen !== undefined && Object.keys(ctx.target.qemu?.env ?? {}).length > 0
      ? { env: ctx.target.qemu?.env }
      : {}),
    accel,
    bootFiles: [...boot.files, ...drives.files],
    tinyGuest: vm.boot.type === 'tiny' ? vm.arch : null,
    ports: net.backends.flatMap((b) => backendPorts(b, vm.id)),
    helperBridges: net.backends.flatMap((b) => helperBridge(b, ctx.target.bridgeHelper) ?? []),
    nics: net.nics,
    ...(drives.disks.length > 0 ? { disks: drives.disks } : {}),
  };
}
