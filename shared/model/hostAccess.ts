/**
 * Which of a VM's extra QEMU arguments reach the host: run a program, read or write a host file, open a host device,
 * socket or port. An allowlist: an option is harmless only when listed here as such (with its value checked);
 * any other option is reported, since QEMU has hundreds and new ones keep coming.
 */
import { extraOptions, optionWord, optProps, propOrImplied, type OptProps } from './qemuOpts';

/** One extra argument that reaches the host, and how. */
export interface HostAccessArg {
  readonly index: number;
  /** The option as written (with its value). */
  readonly arg: string;
  /** How it reaches the host: "reads the host file /x", "runs host programs", … */
  readonly why: string;
}

const RUNS = 'runs host code';
const READS = 'reads host files';
const WRITES = 'writes host files';
const DEVICE = 'gives the guest a host device';
const SOCKET = 'opens a host socket or port';
const CONNECTS = 'connects QEMU to a host file, socket, port or terminal';
const UNKNOWN = 'is not known to be harmless: it may run host programs or open host files';

/** Options of REACHES that take no value. */
const NO_VALUE = new Set(['-s', '-daemonize', '-semihosting']);

/** Options known to reach the host, and how (more specific than UNKNOWN). */
const REACHES: Record<string, string> = {
  '-plugin': `${RUNS} (loads a shared library into QEMU)`,
  '-incoming': `${RUNS} or ${READS} (exec: runs a shell command)`,
  '-run-with': 'changes the user or root directory QEMU runs with',
  '-runas': 'changes the user QEMU runs as',
  '-chroot': 'changes the root directory QEMU runs in',
  '-daemonize': 'detaches QEMU from the lab (it would outlive it)',
  '-kernel': READS,
  '-initrd': READS,
  '-dtb': READS,
  '-bios': READS,
  '-L': `${READS} (firmware directory)`,
  '-drive': `${READS} (and may write them)`,
  '-blockdev': `${READS} (and may write them)`,
  '-hda': READS,
  '-hdb': READS,
  '-hdc': READS,
  '-hdd': READS,
  '-cdrom': READS,
  '-fda': READS,
  '-fdb': READS,
  '-sd': READS,
  '-mtdblock': READS,
  '-pflash': READS,
  '-acpitable': READS,
  '-loadvm': READS,
  '-trace': READS,
  '-mem-path': WRITES,
  '-pidfile': WRITES,
  '-D': WRITES,
  '-writeconfig': WRITES,
  '-fsdev': 'shares a host directory with the guest',
  '-virtfs': 'shares a host directory with the guest',
  '-semihosting': 'lets the guest open host files (semihosting)',
  '-semihosting-config': 'lets the guest open host files (semihosting)',
  '-tpmdev': DEVICE,
  '-add-fd': 'passes a host file descriptor',
  '-vnc': SOCKET,
  '-spice': SOCKET,
  '-gdb': SOCKET,
  '-s': `${SOCKET} (a gdb server on TCP port 1234)`,
  '-qmp': SOCKET,
  '-qmp-pretty': SOCKET,
  '-mon': SOCKET,
};

/** Property names that name a host path, program, device or descriptor, in any option that has properties. */
const HOST_PROPS =
  /^(file|filename|path|mem-path|dir|romfile|dumpdtb|dtb|kernel|initrd|firmware|bios|evdev|host|sysfsdev|fd|fds|vhostfd|vhostfds|script|downscript|helper|splash|logfile|sock|socket|vhostdev|x-file|tftp|smb|rrfile|rrsnapshot)$/;

/** Device drivers that hand the guest a host device, host memory or host files. */
const HOST_DEVICES =
  /^(vfio|vhost|usb-host|u2f-passthrough|ccid-card-passthru|loader$|guest-loader|virtio-9p|ivshmem|xen|pci-assign|vmcoreinfo|usb-redir)/;

/** -object types that stay inside QEMU. */
const SAFE_OBJECTS = new Set([
  'iothread',
  'main-loop',
  'thread-context',
  'memory-backend-ram',
  'memory-backend-memfd',
  'rng-builtin',
  'throttle-group',
  'cryptodev-backend-builtin',
  'authz-simple',
]);

/** -chardev backends that stay inside QEMU. */
const SAFE_CHARDEVS = new Set(['null', 'ringbuf', 'memory', 'msmouse', 'wctablet', 'testdev']);

const hostProp = (p: OptProps): string | null => {
  for (const [k, v] of p.props) if (HOST_PROPS.test(k)) return `${READS} or others (${k}=${v})`;
  return null;
};

const onlyValues =
  (...ok: string[]) =>
  (v: string): string | null =>
    ok.includes(v.trim()) ? null : CONNECTS;

/** Harmless options: whether each takes a value, and what in the value would make it reach the host. */
const HARMLESS: Record<string, { readonly value: boolean; readonly check?: (value: string) => string | null }> = {
  '-S': { value: false },
  '-no-reboot': { value: false },
  '-no-shutdown': { value: false },
  '-nodefaults': { value: false },
  '-no-user-config': { value: false },
  '-enable-kvm': { value: false },
  '-snapshot': { value: false },
  '-usb': { value: false },
  '-no-hpet': { value: false },
  '-no-acpi': { value: false },
  '-only-migratable': { value: false },
  '-name': { value: true },
  '-append': { value: true },
  '-cpu': { value: true },
  '-smp': { value: true },
  '-m': { value: true },
  '-accel': { value: true, check: (v) => hostProp(optProps(v)) },
  '-machine': { value: true, check: (v) => hostProp(optProps(v)) },
  '-M': { value: true, check: (v) => hostProp(optProps(v)) },
  '-rtc': { value: true },
  '-boot': { value: true, check: (v) => hostProp(optProps(v)) },
  '-vga': { value: true },
  '-icount': { value: true, check: (v) => hostProp(optProps(v)) },
  '-watchdog-action': { value: true },
  '-action': { value: true },
  '-numa': { value: true },
  '-uuid': { value: true },
  '-overcommit': { value: true },
  '-msg': { value: true },
  '-d': { value: true },
  '-sandbox': { value: true },
  '-echr': { value: true },
  '-smbios': { value: true, check: (v) => hostProp(optProps(v)) },
  '-fw_cfg': { value: true, check: (v) => hostProp(optProps(v)) },
  '-global': {
    value: true,
    check: (v) => {
      const p = optProps(v);
      const prop = p.props.get('property') ?? (p.implied === null ? ([...p.props.keys()][0] ?? '') : '');
      return HOST_PROPS.test(prop.split('.').pop() ?? '') ? `${READS} or others (${v})` : hostProp(p);
    },
  },
  '-device': {
    value: true,
    check: (v) => {
      const p = optProps(v);
      const driver = propOrImplied(p, 'driver');
      return HOST_DEVICES.test(driver) ? `${DEVICE} (${driver})` : hostProp(p);
    },
  },
  '-object': {
    value: true,
    check: (v) => {
      const type = propOrImplied(optProps(v), 'qom-type');
      return SAFE_OBJECTS.has(type) ? null : `${UNKNOWN} (object ${type || '?'})`;
    },
  },
  '-chardev': {
    value: true,
    check: (v) => {
      const backend = propOrImplied(optProps(v), 'backend');
      return SAFE_CHARDEVS.has(backend) ? null : `${CONNECTS} (chardev ${backend || '?'})`;
    },
  },
  '-audiodev': { value: true, check: (v) => (propOrImplied(optProps(v), 'driver') === 'none' ? null : CONNECTS) },
  '-display': { value: true, check: (v) => (v.trim() === 'none' ? null : `${SOCKET} or window`) },
  '-serial': { value: true, check: onlyValues('none', 'null') },
  '-parallel': { value: true, check: onlyValues('none', 'null') },
  '-monitor': { value: true, check: onlyValues('none', 'null') },
  '-debugcon': { value: true, check: onlyValues('none', 'null') },
  '-usbdevice': { value: true, check: (v) => (['tablet', 'mouse', 'keyboard'].includes(v.trim()) ? null : READS) },
};

/** The extra arguments of a VM that reach the host, each with how. */
export function hostAccessArgs(args: readonly string[]): HostAccessArg[] {
  const out: HostAccessArg[] = [];
  const valueWords = new Set<number>();
  for (const opt of extraOptions(args)) {
    const known = HARMLESS[opt.name];
    if (known?.value && opt.valueIsNext) valueWords.add(opt.index + 1);
    let why: string | null = REACHES[opt.name] ?? UNKNOWN;
    if (known) why = known.check && opt.value !== null ? known.check(opt.value) : null;
    if (why === null) continue;
    // An unlisted option's value is shown with it, unless the next word is an option of its own.
    const next = args[opt.index + 1];
    const takesNext = known ? known.value : !NO_VALUE.has(opt.name) && next !== undefined && optionWord(next) === null;
    out.push({ index: opt.index, arg: takesNext ? opt.text : (args[opt.index] ?? ''), why });
  }
  // A bare word QEMU does not take as an option's value is a disk image (-hda).
  args.forEach((word, index) => {
    if (optionWord(word) !== null || valueWords.has(index)) return;
    const prev = index > 0 ? optionWord(args[index - 1] ?? '') : null;
    // The value of an unlisted option is shown with it, which is reported already.
    if (prev !== null && HARMLESS[prev.name] === undefined && !NO_VALUE.has(prev.name)) return;
    out.push({ index, arg: word, why: `${READS} (QEMU opens a bare file name as a disk image)` });
  });
  return out.sort((a, b) => a.index - b.index);
}
