/**
 * The non-networking part of a command line as a VM's fields: name, architecture and binary, machine,
 * accelerator, CPU, vCPUs, memory, boot; the rest kept verbatim as extra arguments, except what the lab sets itself
 * (-S, -daemonize, -nographic, a stdio console, -pidfile), which is left out and said.
 */
import { readOpts, qopts } from '../qemuopts';
import { networkingArg } from '../model/extraArgs';
import { Arch } from '../model/schema';
import { qemuDefaultMachine } from './nicmodel';
import { first, readValue } from './optvalue';
import type { QemuArg, QemuCommand } from './qemuargv';
import type { Reporter } from './report';
import { isArrayExpansion } from './shell';

/** The VM's fields, as a node input (without id and NICs). */
export interface VmFields {
  name: string | undefined;
  arch: Arch;
  binary?: string;
  machine?: string;
  accel: 'auto' | 'kvm' | 'tcg' | 'hvf';
  cpu?: string;
  smp: number;
  memory: number;
  boot: Record<string, unknown>;
  extraArgs: string[];
}

/** The guest name of a command line (`-name guest=X,…` or `-name X`), if any. */
export function guestName(cmd: QemuCommand): string | undefined {
  const arg = cmd.args.find((a) => a.name === '-name' && a.value);
  return arg?.value ? readOpts(arg.value.text, 'guest').find((i) => i.key === 'guest')?.value : undefined;
}

const STANDARD_DIRS = new Set(['', '/usr/bin', '/bin', '/usr/local/bin']);
const DISK_OPTIONS = new Set([
  '-hda',
  '-hdb',
  '-hdc',
  '-hdd',
  '-drive',
  '-blockdev',
  '-bios',
  '-sd',
  '-mtdblock',
  '-pflash',
  '-fda',
  '-fdb',
]);
const MODEL_TEXT = /^[A-Za-z0-9_.,=+-]+$/;

/** MiB in a QEMU size (`512`, `512M`, `2G`, `219136k`); null when it is not a whole number of MiB. */
function mebibytes(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([kKmMgGtT]?)[bB]?$/.exec(text.trim());
  if (!m) return null;
  const scale: Record<string, number> = { '': 1, k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024 };
  const mib = Number(m[1]) * (scale[(m[2] ?? '').toLowerCase()] ?? 1);
  return Number.isInteger(mib) ? mib : null;
}

/**
 * What a lab adds to every guest itself, as this app's compiler writes it (an exported up.sh read back): the console
 * chardev and its -serial, the QMP socket, and the shared RAM backend of a guest with vhost-user.
 */
function labOwn(cmd: QemuCommand, vhostUser: boolean): Set<QemuArg> {
  const own = new Set<QemuArg>();
  const consoles = new Set<string>();
  let ram: string | undefined;
  // Only the options this looks at are read as option strings: a long script has thousands of others.
  for (const a of cmd.args) {
    const v = a.value?.text ?? '';
    if (a.name === '-qmp' && /^unix:.*\.qmp\.sock,server=on,wait=off$/.test(v)) own.add(a);
    const machine = a.name === '-machine' || a.name === '-M';
    if (!machine && a.name !== '-chardev') continue;
    const items = readOpts(v, 'type');
    if (machine && items.some((i) => i.key === 'memory-backend'))
      ram = items.find((i) => i.key === 'memory-backend')?.value;
    if (
      a.name === '-chardev' &&
      items[0]?.value === 'socket' &&
      first(items, 'path')?.endsWith('.console.sock') &&
      first(items, 'id') !== undefined
    ) {
      consoles.add(first(items, 'id') as string);
      own.add(a);
    }
  }
  for (const a of cmd.args) {
    const v = a.value?.text ?? '';
    if (a.name === '-serial' && v.startsWith('chardev:') && consoles.has(v.slice(8))) own.add(a);
    if (!vhostUser || a.name !== '-object' || ram === undefined) continue;
    const items = readOpts(v, 'type');
    const shape = items.map((i) => i.key).join(',');
    if (
      items[0]?.value === 'memory-backend-memfd' &&
      shape === 'type,id,size,share' &&
      first(items, 'id') === ram &&
      first(items, 'share') === 'on'
    )
      own.add(a);
  }
  return own;
}

/** Read the VM's fields from a command line; `taken` are the arguments networking already read. */
export function vmFields(
  cmd: QemuCommand,
  taken: ReadonlySet<QemuArg>,
  report: Reporter,
  vm: string,
  vhostUser = false,
): VmFields {
  const leftOut: { arg: QemuArg; why: string }[] = [];
  const dropped = (arg: QemuArg, why: string) => leftOut.push({ arg, why });
  const own = labOwn(cmd, vhostUser);
  const ownRam = [...own].some((a) => a.name === '-object');
  const archOk = Arch.safeParse(cmd.arch);
  const arch: Arch = archOk.success ? archOk.data : 'x86_64';
  const f: VmFields = {
    name: guestName(cmd),
    arch,
    accel: 'auto',
    smp: 1,
    memory: 128,
    boot: { type: 'none' },
    extraArgs: [],
  };
  const emulator = cmd.runs ?? (cmd.emulator.expansions.length > 0 ? `qemu-system-${cmd.arch}` : cmd.emulator.text);
  const base = emulator.slice(emulator.lastIndexOf('/') + 1);
  const dir = emulator.slice(0, Math.max(0, emulator.lastIndexOf('/')));
  if (!archOk.success) {
    f.binary = emulator;
    report.add(
      'IMPORT_ARCH',
      `${vm}: the drawing has no ${cmd.arch} architecture; ${emulator} is kept as the binary and the architecture set to x86_64`,
      cmd.emulator,
      0,
      [vm],
    );
  } else if (base === 'qemu' || base === 'qemu-kvm' || base === 'kvm') {
    report.add(
      'IMPORT_DROPPED',
      `${vm}: ${emulator} is the old name of qemu-system-x86_64, which the lab runs`,
      cmd.emulator,
      0,
      [vm],
    );
    if (base !== 'qemu') f.accel = 'kvm';
  } else if (base !== `qemu-system-${cmd.arch}` || !STANDARD_DIRS.has(dir)) f.binary = emulator;

  const machineItems: { key: string; value: string }[] = [];
  let machineVerbatim = false;
  let kernel: Record<string, string> | null = null;
  let cdrom: QemuArg | undefined;
  let bootD: QemuArg | undefined;
  let bootable = false;
  const kept: QemuArg[] = [];
  const keep = (arg: QemuArg) => kept.push(arg);

  for (const arg of cmd.args) {
    if (taken.has(arg)) continue;
    const v = arg.value?.text ?? '';
    if (own.has(arg)) {
      dropped(
        arg,
        arg.name === '-object'
          ? 'the lab shares guest RAM for vhost-user itself'
          : `the lab makes each guest's ${arg.name === '-qmp' ? 'QMP socket' : 'console'} itself`,
      );
      continue;
    }
    if ((arg.value && isArrayExpansion(v)) || (arg.name === '' && isArrayExpansion(arg.word.text))) {
      dropped(arg, 'a shell array expands to options chosen when the script runs');
      continue;
    }
    switch (arg.name) {
      case '':
        bootable = true;
        keep(arg);
        break;
      case '-name':
        if (readOpts(v, 'guest').some((i) => i.key !== 'guest'))
          dropped(arg, 'the lab names the guest by its name alone');
        break;
      case '-M':
      case '-machine': {
        const items = readOpts(v, 'type');
        for (const i of items) machineItems.push({ key: i.key, value: i.value });
        if (items.some((i) => i.key !== 'type' && i.key !== 'accel' && !MODEL_TEXT.test(`${i.key}=${i.value}`))) {
          machineVerbatim = true;
          keep(arg);
        }
        break;
      }
      case '-enable-kvm':
        f.accel = 'kvm';
        break;
      case '-accel': {
        const items = readOpts(v, 'accel');
        const name = first(items, 'accel');
        if (name === 'kvm' || name === 'tcg' || name === 'hvf') f.accel = name;
        else dropped(arg, `the drawing's accelerators are kvm, tcg and hvf`);
        const more = items.filter((i) => i.key !== 'accel');
        if (more.length)
          report.add(
            'IMPORT_LOST',
            `${vm}: -accel ${more.map((i) => `${i.key}=${i.value}`).join(',')} is left out: the lab passes -accel ${name ?? ''} alone`,
            arg.value ?? arg.word,
            more[0]?.at ?? 0,
            [vm],
          );
        break;
      }
      case '-cpu':
        if (MODEL_TEXT.test(v)) f.cpu = v;
        else keep(arg);
        break;
      case '-smp': {
        const items = readOpts(v, 'cpus');
        const cpus = Number(
          first(items, 'cpus') ??
            items
              .filter((i) => ['sockets', 'cores', 'threads', 'dies', 'clusters'].includes(i.key))
              .reduce((p, i) => p * Number(i.value), 1),
        );
        if (Number.isInteger(cpus) && cpus >= 1 && cpus <= 256) f.smp = cpus;
        if (items.some((i) => i.key !== 'cpus') || f.smp !== cpus) keep(arg);
        break;
      }
      case '-m': {
        const items = readOpts(v, 'size');
        const mib = mebibytes(first(items, 'size') ?? '');
        const fits = mib !== null && mib >= 16 && mib <= 1048576;
        if (fits) f.memory = mib;
        if (!fits || items.some((i) => i.key !== 'size')) keep(arg);
        break;
      }
      case '-kernel':
      case '-initrd':
      case '-append':
      case '-dtb':
        kernel ??= {};
        kernel[arg.name.slice(1)] = v;
        break;
      case '-boot':
        if (/^(order=)?d$/.test(v)) bootD = arg;
        else keep(arg);
        // Network boot (PXE from the NIC's ROM) boots something.
        if (/(^|,|=)[a-z]*n/.test(v)) bootable = true;
        break;
      case '-cdrom':
        cdrom = arg;
        bootable = true;
        break;
      case '-S':
        dropped(arg, 'the lab starts guests itself');
        break;
      case '-daemonize':
        dropped(arg, 'the lab supervises the guest process');
        break;
      case '-pidfile':
        dropped(arg, 'the lab writes its own pidfile');
        break;
      case '-nodefaults':
        break;
      case '-nographic':
      case '-display':
        if (!(arg.name === '-display' && v === 'none'))
          dropped(arg, 'lab guests run headless, their serial console in the lab');
        break;
      case '-serial':
      case '-monitor':
      case '-qmp':
        if (/(^|:)stdio$/.test(v)) dropped(arg, 'stdio belongs to the lab; the guest console is in the lab');
        else keep(arg);
        break;
      default:
        if (DISK_OPTIONS.has(arg.name)) bootable = true;
        keep(arg);
    }
  }

  // -machine: type first, accel= moves to the accelerator, the rest kept in order.
  const type = machineItems.find((i) => i.key === 'type')?.value;
  const accel = machineItems.find((i) => i.key === 'accel')?.value;
  if (accel !== undefined) f.accel = accel === 'kvm' || accel === 'tcg' || accel === 'hvf' ? accel : 'auto';
  const rest = machineItems
    .filter((i) => i.key !== 'type' && i.key !== 'accel' && !(ownRam && i.key === 'memory-backend'))
    .map((i): [string, string] => [i.key, i.value]);
  const machine =
    type === undefined && rest.length === 0
      ? (qemuDefaultMachine(cmd.arch) ?? undefined)
      : qopts(type ?? qemuDefaultMachine(cmd.arch) ?? '', machineVerbatim ? [] : rest);
  if (machine !== undefined && machine !== '') f.machine = machine;

  if (kernel?.kernel !== undefined) {
    f.boot = {
      type: 'kernel',
      kernel: kernel.kernel,
      append: kernel.append ?? '',
      ...(kernel.initrd !== undefined ? { initrd: kernel.initrd } : {}),
      ...(kernel.dtb !== undefined ? { dtb: kernel.dtb } : {}),
    };
  } else if (kernel) {
    // -initrd or -append without -kernel: QEMU refuses them; keep them as written.
    for (const arg of cmd.args) if (!taken.has(arg) && ['-initrd', '-append', '-dtb'].includes(arg.name)) keep(arg);
  }
  if (f.boot.type === 'none' && cdrom?.value && bootD) f.boot = { type: 'cdrom', path: cdrom.value.text };
  else {
    if (cdrom) keep(cdrom);
    if (bootD) keep(bootD);
  }
  // A line this app wrote (its console chardev is there) boots exactly what it says, nothing included.
  const exported = [...own].some((a) => a.name === '-chardev');
  if (f.boot.type === 'none' && !bootable && !exported) {
    f.boot = { type: 'tiny' };
    report.add(
      'IMPORT_BOOT_TINY',
      `${vm}: the command line boots nothing (no kernel, disk or network boot), so the VM boots the tiny guest`,
      cmd.emulator,
      0,
      [vm],
    );
  }

  // What is kept goes out verbatim, in order; networking the drawing could not model is refused by the model.
  kept.sort((x, y) => cmd.args.indexOf(x) - cmd.args.indexOf(y));
  const names: string[] = [];
  for (const arg of kept) {
    const words = arg.value ? [arg.word.text, arg.value.text] : [arg.word.text];
    const refused = networkingArg(words);
    if (refused) {
      report.add(
        'IMPORT_LOST',
        `${vm}: ${words.join(' ')} is left out: ${refused.why}, which the drawing cannot show`,
        arg.word,
        0,
        [vm],
      );
      continue;
    }
    if (arg.value) fdsOf(arg, report, vm);
    f.extraArgs.push(...words);
    if (!names.includes(arg.word.text) && arg.name !== '') names.push(arg.word.text);
    else if (arg.name === '' && !names.includes('a disk image')) names.push('a disk image');
  }
  if (leftOut[0]) {
    const list = leftOut
      .map((d) => `${d.arg.word.text}${d.arg.value ? ` ${d.arg.value.text}` : ''} (${d.why})`)
      .join('; ');
    report.add('IMPORT_DROPPED', `${vm} leaves out what the lab does itself: ${list}`, leftOut[0].arg.word, 0, [vm]);
  }
  if (names.length > 0 && kept[0])
    report.add(
      'IMPORT_KEPT',
      `${vm} keeps what the drawing does not model in its extra arguments, verbatim: ${names.join(', ')}`,
      kept[0].word,
      0,
      [vm],
    );
  return f;
}

/** A kept option that needs a descriptor its parent process passed (libvirt's fd=N, -add-fd): say it will not work alone. */
function fdsOf(arg: QemuArg, report: Reporter, vm: string): void {
  const r = readValue(arg.value?.text ?? '', 'type');
  if (!r.ok) return;
  const fd = r.items.find((i) => i.key === 'fd');
  if (fd)
    report.add(
      'IMPORT_FD',
      `${vm}: ${arg.word.text} … fd=${fd.value} is a descriptor a parent process (libvirt) opened; it is kept, but QEMU fails on it unless something passes it`,
      arg.value ?? arg.word,
      fd.at,
      [vm],
    );
}
