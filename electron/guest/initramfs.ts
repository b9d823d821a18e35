import { gunzipSync, gzipSync } from 'node:zlib';
import { copyFile, mkdir, readdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { GuestBuildError } from './errors';
import { run } from './exec';
import {
  formatModulesDep,
  isBuiltin,
  loadOrder,
  modinfoDepends,
  moduleName,
  parseModulesDep,
  readModinfo,
} from './modules';

/** Files below `dir` (recursively), as paths relative to it. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

const exists = (path: string) =>
  readFile(path).then(
    () => true,
    () => false,
  );

/** The kernel image and module tree of an extracted linux-image package (/lib or merged /usr/lib). */
export async function findKernel(root: string): Promise<{ image: string; kver: string; modulesDir: string }> {
  const boot = await readdir(join(root, 'boot')).catch(() => [] as string[]);
  const image = boot.find((f) => f.startsWith('vmlinuz-') || f.startsWith('vmlinux-'));
  if (!image) throw new GuestBuildError('GUEST_KERNEL_LAYOUT', `the kernel package has no /boot/vmlinuz-*`);
  const kver = image.replace(/^vmlinu[zx]-/, '');
  for (const base of ['lib/modules', 'usr/lib/modules']) {
    const modulesDir = join(root, base, kver);
    if (
      await readdir(modulesDir).then(
        () => true,
        () => false,
      )
    )
      return { image: join(root, 'boot', image), kver, modulesDir };
  }
  throw new GuestBuildError('GUEST_KERNEL_LAYOUT', `the kernel package has no /lib/modules/${kver}`);
}

/** A module file's ELF bytes, decompressed when the kernel ships .ko.xz/.ko.zst/.ko.gz (busybox insmod wants plain). */
async function readModule(path: string): Promise<Buffer> {
  if (path.endsWith('.ko.gz')) return gunzipSync(await readFile(path));
  if (path.endsWith('.ko.xz')) return run(['xz', '-dc', path], { what: `decompress ${path}` });
  if (path.endsWith('.ko.zst')) return run(['zstd', '-dcq', path], { what: `decompress ${path}` });
  return readFile(path);
}

/**
 * Copies the wanted modules and their dependencies into `<staging>/lib/modules/<kver>/` uncompressed, with
 * `load.order` (dependency order, read by init) and a modules.dep for busybox modprobe.
 */
export async function stageModules(
  kernel: { kver: string; modulesDir: string },
  staging: string,
  wanted: readonly string[],
  required: readonly string[],
): Promise<{ loaded: string[]; builtin: string[]; skipped: string[] }> {
  const { kver, modulesDir } = kernel;
  const builtinText = await readFile(join(modulesDir, 'modules.builtin'), 'utf8').catch(() => '');
  const paths = new Map<string, string>();
  for (const file of await walk(modulesDir)) if (/\.ko(\.(xz|zst|gz))?$/.test(file)) paths.set(moduleName(file), file);
  // Debian's package ships no modules.dep (depmod runs at install); read each module's own `depends=` instead.
  const shipped = await readFile(join(modulesDir, 'modules.dep'), 'utf8').then(parseModulesDep, () => undefined);
  const elf = new Map<string, Buffer>();
  const depends = new Map<string, string[]>();
  for (const name of wanted) await collect(name);
  async function collect(name: string): Promise<void> {
    const path = paths.get(name);
    if (!path || depends.has(name)) return;
    const bytes = await readModule(join(modulesDir, path));
    const info = readModinfo(bytes);
    if (!info) throw new GuestBuildError('GUEST_KERNEL_LAYOUT', `${path} in the kernel package is not an ELF64 module`);
    elf.set(name, bytes);
    depends.set(name, shipped?.get(name)?.depends ?? modinfoDepends(info));
    for (const dep of depends.get(name) ?? []) await collect(dep);
  }
  let order: string[];
  let absent: string[];
  try {
    ({ order, absent } = loadOrder(wanted, (name) => depends.get(name)));
  } catch (error) {
    throw new GuestBuildError('GUEST_KERNEL_LAYOUT', `cannot order the kernel modules: ${(error as Error).message}`);
  }
  const builtin = absent.filter((name) => isBuiltin(builtinText, name));
  const skipped = absent.filter((name) => !builtin.includes(name));
  const lacking = required.filter((name) => skipped.includes(name));
  if (lacking.length > 0) {
    throw new GuestBuildError(
      'GUEST_MODULE_MISSING',
      `kernel ${kver} has no ${lacking.join(', ')}, built in or as a module`,
    );
  }
  const staged = order.map((name) => ({
    name,
    path: `kernel/${(paths.get(name) ?? '').replace(/^kernel\//, '').replace(/\.(xz|zst|gz)$/, '')}`,
  }));
  const root = join(staging, 'lib', 'modules');
  for (const { name, path } of staged) {
    await mkdir(dirname(join(root, kver, path)), { recursive: true });
    await writeFile(join(root, kver, path), elf.get(name) ?? Buffer.alloc(0));
  }
  const allDepends = (name: string) =>
    loadOrder([name], (n) => depends.get(n))
      .order.slice(0, -1)
      .reverse();
  await writeFile(join(root, kver, 'modules.dep'), formatModulesDep(staged, allDepends));
  await writeFile(join(root, 'load.order'), staged.map(({ path }) => `${kver}/${path}\n`).join(''));
  return { loaded: order, builtin, skipped };
}

/** Lays out the initramfs tree: busybox, init, the udhcpc hook, the few files /etc needs. */
export async function stageRoot(staging: string, busybox: string, assetsDir: string): Promise<void> {
  for (const dir of [
    'bin',
    'sbin',
    'etc',
    'proc',
    'sys',
    'dev',
    'tmp',
    'run',
    'root',
    'usr/bin',
    'usr/sbin',
    'usr/share/udhcpc',
  ]) {
    await mkdir(join(staging, dir), { recursive: true });
  }
  await copyFile(busybox, join(staging, 'bin', 'busybox'));
  await copyFile(join(assetsDir, 'init'), join(staging, 'init'));
  await copyFile(join(assetsDir, 'udhcpc.script'), join(staging, 'usr/share/udhcpc/default.script'));
  for (const file of ['bin/busybox', 'init', 'usr/share/udhcpc/default.script'])
    await chmod(join(staging, file), 0o755);
  await writeFile(join(staging, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(join(staging, 'etc/group'), 'root:x:0:\n');
  await writeFile(
    join(staging, 'etc/profile'),
    "export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root PS1='\\h:\\w# '\n",
  );
}

/** The staging tree as a gzip-compressed newc cpio archive owned by root (what the kernel unpacks). */
export async function packInitramfs(staging: string): Promise<Buffer> {
  const files = (await readdir(staging, { recursive: true })).map((f) => `./${f}`).sort();
  const list = ['.', ...files].join('\0') + '\0';
  if (!(await exists(join(staging, 'init')))) throw new Error('packInitramfs: no init in the staging tree');
  const cpio = await run(['cpio', '--quiet', '-o', '-H', 'newc', '--null', '-R', '0:0', '--reproducible'], {
    cwd: staging,
    input: list,
    what: 'pack the initramfs with cpio',
  });
  return gzipSync(cpio, { level: 9 });
}
