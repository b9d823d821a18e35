/**
 * A shell command as a QEMU invocation: what comes before the emulator (environment assignments, `sudo`, `env`,
 * `exec`…), the emulator and its architecture, then its options as QEMU reads them: which options take a value,
 * which are flags, and which words are positional (a disk image).
 */
import type { Word } from './shell';

/** One item of a QEMU command line: an option with its value, a flag, or a positional word. */
export interface QemuArg {
  /** `-netdev` (a `--netdev` is written `-netdev` here); `''` for a positional word. */
  readonly name: string;
  /** The option's word (the positional word itself). */
  readonly word: Word;
  /** The value word of an option that takes one. */
  readonly value?: Word;
  /** Read as an option although written without its dash (`netdev stream,…`). */
  readonly missingDash?: boolean;
}

/** The emulator a command runs and the rest of it. */
export interface QemuCommand {
  readonly emulator: Word;
  /** What the emulator word runs, when it is a variable the script assigned (`$QEMU`); else its text. */
  readonly runs?: string;
  /** The architecture the binary emulates (`x86_64` for `qemu`, `qemu-kvm`, `kvm`). */
  readonly arch: string;
  /** Words before the emulator: environment assignments and wrappers such as `sudo`. */
  readonly before: readonly Word[];
  readonly args: readonly QemuArg[];
  /** Options that need a value but end the command. */
  readonly dangling: readonly Word[];
  /** Placeholders from documentation (`[...OPTIONS...]`, `...`), left out. */
  readonly placeholders: readonly Word[];
}

/** QEMU options that take no value (qemu-options.hx); every other option takes one. */
const FLAGS = new Set(
  [
    'S',
    's',
    'nodefaults',
    'nographic',
    'enable-kvm',
    'no-kvm',
    'no-user-config',
    'nodefconfig',
    'no-shutdown',
    'no-reboot',
    'no-acpi',
    'no-hpet',
    'usb',
    'daemonize',
    'snapshot',
    'full-screen',
    'alt-grab',
    'ctrl-grab',
    'no-quit',
    'no-frame',
    'curses',
    'sdl',
    'portrait',
    'win2k-hack',
    'no-fd-bootchk',
    'semihosting',
    'singlestep',
    'one-insn-per-tb',
    'preconfig',
    'enable-fips',
    'only-migratable',
    'old-param',
    'xen-attach',
    'xen-domid-restrict',
    'help',
    'h',
    'version',
    'audio-help',
    'mem-prealloc',
    'enable-sync-profile',
    'perfmap',
    'jitdump',
    'rtc-td-hack',
    'no-kvm-irqchip',
    'no-kvm-pit',
    'no-kvm-pit-reinjection',
    'tdf',
    'show-cursor',
    'enable-nesting',
    'nouserconfig',
    'no-graphic',
    'qmp-pretty-help',
  ].map((f) => `-${f}`),
);

/** Options taking a value that a missing dash is recognised on (a manual's typo, `netdev stream,…`). */
const DASHLESS = new Set([
  'netdev',
  'device',
  'nic',
  'net',
  'chardev',
  'object',
  'drive',
  'machine',
  'append',
  'kernel',
  'initrd',
]);

/** Words that run the next word: `sudo -E qemu…`, `env A=b qemu…`, `exec qemu…`. Value of each: its options with an argument. */
const WRAPPERS: Record<string, ReadonlySet<string>> = {
  sudo: new Set(['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '-T', '--user', '--group']),
  doas: new Set(['-u', '-C']),
  env: new Set(['-u', '-C', '-S']),
  exec: new Set(['-a']),
  nohup: new Set(),
  time: new Set(['-f', '-o']),
  command: new Set(),
  nice: new Set(['-n']),
  ionice: new Set(['-c', '-n']),
  taskset: new Set(),
  chrt: new Set(),
  stdbuf: new Set(['-i', '-o', '-e']),
  // A rootless lab's up.sh: `nsenter --preserve-credentials -t "$HOLDER" -U -n -- qemu…`.
  nsenter: new Set(['-t', '--target', '-S', '--setuid', '-G', '--setgid']),
};

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** The architecture a QEMU binary emulates, from its file name; null when the word is no QEMU system emulator. */
export function emulatorArch(word: string): string | null {
  const base = word.slice(word.lastIndexOf('/') + 1).replace(/\.exe$/, '');
  const m = /^qemu-system-([a-z0-9_]+?)(-microvm|-spice)?$/.exec(base);
  if (m) return m[1] as string;
  if (base === 'qemu' || base === 'qemu-kvm' || base === 'kvm') return 'x86_64';
  return null;
}

const isPlaceholder = (w: string) => /^\[.*\]$/.test(w) || /^\.\.\.+$/.test(w) || /^\[?\.\.\.\w*/.test(w);

/** The one expansion a word consists of (`$QEMU`, `"${QEMU_BIN}"`), by variable name; null for other words. */
function soleExpansion(w: Word): string | null {
  const e = w.expansions[0];
  if (!e || e.index !== 0 || e.text.length !== w.text.length) return null;
  return /^\$\{?([A-Za-z_][A-Za-z0-9_]*)/.exec(e.text)?.[1] ?? null;
}

/**
 * The QEMU invocation of a command, or null when the command runs something else. `vars` are the script's plain
 * assignments (`QEMU=qemu-system-aarch64`), so `$QEMU …` is known for what it runs.
 */
export function readQemuCommand(
  words: readonly Word[],
  vars: ReadonlyMap<string, string> = new Map(),
): QemuCommand | null {
  let i = 0;
  const before: Word[] = [];
  for (;;) {
    const w = words[i];
    if (!w) return null;
    // Assignments, and a word that is only an expansion when what follows runs QEMU ("${PROC_AS[@]}" ip netns exec …).
    if (ASSIGNMENT.test(w.text) || (soleExpansion(w) !== null && readQemuCommand(words.slice(i + 1), vars) !== null)) {
      before.push(w);
      i++;
      continue;
    }
    if (w.text === 'ip' && words[i + 1]?.text === 'netns' && words[i + 2]?.text === 'exec' && words[i + 3]) {
      before.push(...words.slice(i, i + 4));
      i += 4;
      continue;
    }
    const wrapper = WRAPPERS[w.text];
    if (!wrapper) break;
    before.push(w);
    i++;
    // The wrapper's own options; for `taskset`/`chrt` the first positional is theirs too (a mask, a priority).
    let positional = w.text === 'taskset' || w.text === 'chrt' ? 1 : 0;
    while (words[i] && (words[i]!.text.startsWith('-') || ASSIGNMENT.test(words[i]!.text) || positional > 0)) {
      const o = words[i]!;
      if (!o.text.startsWith('-') && !ASSIGNMENT.test(o.text)) positional--;
      before.push(o);
      i++;
      if (wrapper.has(o.text) && words[i]) before.push(words[i++]!);
    }
  }
  const emulator = words[i] as Word;
  const variable = soleExpansion(emulator);
  const value = variable !== null ? vars.get(variable) : undefined;
  const arch = emulatorArch(value ?? emulator.text) ?? (variable !== null && /qemu/i.test(variable) ? 'x86_64' : null);
  if (arch === null) return null;
  return { emulator, arch, before, ...(value !== undefined ? { runs: value } : {}), ...readArgs(words.slice(i + 1)) };
}

/** The options of a QEMU command line (the words after the emulator), as QEMU reads them. */
export function readArgs(words: readonly Word[]): Pick<QemuCommand, 'args' | 'dangling' | 'placeholders'> {
  const args: QemuArg[] = [];
  const dangling: Word[] = [];
  const placeholders: Word[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as Word;
    const text = w.text;
    if (text.startsWith('-') && text.length > 1) {
      const name = text.startsWith('--') ? text.slice(1) : text;
      const next = words[i + 1];
      // An option we do not know, followed by another option, is taken for a flag.
      const flag =
        FLAGS.has(name) ||
        (!KNOWN_WITH_VALUE.has(name) && (next === undefined || (next.text.startsWith('-') && next.text.length > 1)));
      if (flag) args.push({ name, word: w });
      else if (next === undefined) dangling.push(w);
      else {
        args.push({ name, word: w, value: next });
        i++;
      }
    } else if (isPlaceholder(text) && w.expansions.length === 0) {
      placeholders.push(w);
    } else if (DASHLESS.has(text) && words[i + 1] !== undefined && !words[i + 1]!.text.startsWith('-')) {
      args.push({ name: `-${text}`, word: w, value: words[i + 1] as Word, missingDash: true });
      i++;
    } else args.push({ name: '', word: w });
  }
  return { args, dangling, placeholders };
}

/** Options known to take a value: so an unknown option's value that starts with a dash is not misread. */
const KNOWN_WITH_VALUE = new Set(
  [
    'netdev',
    'nic',
    'net',
    'device',
    'chardev',
    'object',
    'drive',
    'blockdev',
    'machine',
    'M',
    'accel',
    'cpu',
    'smp',
    'm',
    'name',
    'kernel',
    'initrd',
    'append',
    'dtb',
    'bios',
    'boot',
    'cdrom',
    'hda',
    'hdb',
    'hdc',
    'hdd',
    'fda',
    'fdb',
    'sd',
    'mtdblock',
    'pflash',
    'serial',
    'monitor',
    'qmp',
    'qmp-pretty',
    'mon',
    'display',
    'vga',
    'vnc',
    'spice',
    'pidfile',
    'uuid',
    'rtc',
    'global',
    'set',
    'add-fd',
    'numa',
    'mem-path',
    'overcommit',
    'realtime',
    'msg',
    'sandbox',
    'audiodev',
    'k',
    'L',
    'd',
    'D',
    'trace',
    'incoming',
    'loadvm',
    'runas',
    'chroot',
    'readconfig',
    'writeconfig',
    'icount',
    'watchdog',
    'watchdog-action',
    'virtfs',
    'fsdev',
    'iscsi',
    'usbdevice',
    'smbios',
    'acpitable',
    'fw_cfg',
    'prom-env',
    'parallel',
    'debugcon',
    'semihosting-config',
    'compat',
    'action',
    'g',
    'echr',
    'option-rom',
    'plugin',
    'tpmdev',
    'iothread',
    'device-help',
    'singlestep-help',
    'mem-path',
    'run-with',
    'memory',
    'cpu-model',
    'boot-order',
    'gdb',
    'seed',
  ].map((o) => `-${o}`),
);
