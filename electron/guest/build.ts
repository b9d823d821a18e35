import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { guestCacheDir } from '../engine/host-paths';
import { aptContext, candidate, download } from './apt';
import type { AptContext, PackageVersion } from './apt';
import { GUEST_ARCHES, NIC_MODULES, REQUIRED_MODULES, isGuestArch } from './arch';
import type { GuestArch } from './arch';
import { GuestBuildError } from './errors';
import { requireTools, run } from './exec';
import { findKernel, packInitramfs, stageModules, stageRoot } from './initramfs';
import { cacheLock } from './lock';

/** Bump when the layout of the initramfs changes, so existing builds are redone. */
const FORMAT = 1;

export interface BuildTinyGuestOptions {
  readonly arch: GuestArch;
  /** The directory holding `<arch>/vmlinuz`; default `guestCacheDir()` (~/.cache/qnet/guest). */
  readonly cacheDir?: string;
  readonly log: (line: string) => void;
  /** Rebuild even when the stamp matches. */
  readonly force?: boolean;
  /** Re-fetch the package lists of a foreign architecture (the host's lists are the system's to update). */
  readonly refresh?: boolean;
  /** Where `init` and `udhcpc.script` are; default the package's assets/guest. */
  readonly assetsDir?: string;
}

export interface TinyGuest {
  readonly kernel: string;
  readonly initrd: string;
  /** False when the cached build was up to date. */
  readonly built: boolean;
  readonly stamp: GuestStamp;
}

/** What a build was made from; equal stamps mean equal guests. */
export interface GuestStamp {
  readonly format: number;
  readonly arch: GuestArch;
  readonly kernel: string;
  readonly busybox: string;
  readonly assets: string;
  readonly modules: readonly string[];
}

/** assets/guest of this package, from the source tree (electron/guest) or the CLI bundle (dist/). */
function defaultAssetsDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidateDir = join(dir, 'assets', 'guest');
    if (existsSync(join(candidateDir, 'init'))) return candidateDir;
    if (dirname(dir) === dir) throw new Error(`assets/guest/init not found above ${from}`);
  }
}

/**
 * Builds the tiny guest (a distribution kernel and a busybox initramfs) for `arch` into the cache, or returns the
 * cached one when its stamp (package versions, init script) is current.
 */
export async function buildTinyGuest(options: BuildTinyGuestOptions): Promise<TinyGuest> {
  const { arch, log } = options;
  if (!isGuestArch(arch)) {
    throw new GuestBuildError(
      'GUEST_ARCH_UNSUPPORTED',
      `the tiny guest is built for x86_64 and aarch64, not ${String(arch)}`,
    );
  }
  const info = GUEST_ARCHES[arch];
  const cacheDir = options.cacheDir ?? guestCacheDir();
  const outDir = join(cacheDir, arch);
  const kernel = join(outDir, 'vmlinuz');
  const initrd = join(outDir, 'initramfs.cpio.gz');
  const assetsDir = options.assetsDir ?? defaultAssetsDir();

  requireTools(['apt-get', 'apt-cache', 'dpkg', 'dpkg-deb', 'cpio']);
  const apt = await aptContext(info.debArch, join(cacheDir, 'apt'), options.refresh ?? false, log);
  const meta = await candidate(apt, info.kernelMeta);
  const imageName = meta.depends.find((d) => d.startsWith('linux-image-'));
  if (!imageName) {
    throw new GuestBuildError(
      'GUEST_PACKAGE_NOT_FOUND',
      `${info.kernelMeta} ${meta.version} depends on no linux-image-* package`,
    );
  }
  const image = await candidate(apt, imageName);
  const busybox = await busyboxSource(apt);
  const wanted = [...NIC_MODULES, ...info.extraModules];
  const assets = createHash('sha256')
    .update(await readFile(join(assetsDir, 'init')))
    .update(await readFile(join(assetsDir, 'udhcpc.script')))
    .digest('hex');
  const stamp: GuestStamp = {
    format: FORMAT,
    arch,
    kernel: `${image.name}=${image.version}`,
    busybox: `${busybox.pkg.name}=${busybox.pkg.version}`,
    assets,
    modules: wanted,
  };
  const current = () => !options.force && isCurrent(outDir, stamp);
  if (await current()) {
    log(`guest ${arch}: up to date (${stamp.kernel}, ${stamp.busybox})`);
    return { kernel, initrd, built: false, stamp };
  }

  await mkdir(outDir, { recursive: true });
  const unlock = await cacheLock(join(cacheDir, `${arch}.lock`), log, 'guest');
  const work = await mkdtemp(join(cacheDir, `.${arch}.build-`));
  try {
    if (await current()) return { kernel, initrd, built: false, stamp }; // another process built it meanwhile
    log(`guest ${arch}: downloading ${stamp.kernel}${busybox.path ? '' : ` and ${stamp.busybox}`}`);
    const debs = await download(apt, busybox.path ? [image] : [image, busybox.pkg], work);
    const kernelRoot = join(work, 'kernel');
    await run(['dpkg-deb', '-x', debs[0] ?? '', kernelRoot], { what: `unpack ${image.name}` });
    let busyboxBinary = busybox.path;
    if (!busyboxBinary) {
      const bbRoot = join(work, 'busybox');
      await run(['dpkg-deb', '-x', debs[1] ?? '', bbRoot], { what: 'unpack busybox-static' });
      busyboxBinary = [join(bbRoot, 'bin/busybox'), join(bbRoot, 'usr/bin/busybox')].find((p) => existsSync(p));
      if (!busyboxBinary)
        throw new GuestBuildError('GUEST_KERNEL_LAYOUT', 'the busybox-static package has no /bin/busybox');
    }
    const found = await findKernel(kernelRoot);
    const staging = join(work, 'root');
    await stageRoot(staging, busyboxBinary, assetsDir);
    const modules = await stageModules(found, staging, wanted, REQUIRED_MODULES);
    log(`guest ${arch}: kernel ${found.kver}, modules ${modules.loaded.join(' ')}`);
    if (modules.skipped.length > 0) log(`guest ${arch}: not in this kernel, skipped: ${modules.skipped.join(' ')}`);
    const archive = await packInitramfs(staging);
    await copyFile(found.image, join(work, 'vmlinuz'));
    await writeFile(join(work, 'initramfs.cpio.gz'), archive);
    // Outputs first, stamp last: a build interrupted half way is never taken as current.
    await rm(join(outDir, 'stamp.json'), { force: true });
    await rename(join(work, 'vmlinuz'), kernel);
    await rename(join(work, 'initramfs.cpio.gz'), initrd);
    await writeFile(join(outDir, 'stamp.json'), `${JSON.stringify(stamp, null, 2)}\n`);
    log(`guest ${arch}: built ${kernel} and ${initrd} (${(archive.length / 1e6).toFixed(1)} MB)`);
    return { kernel, initrd, built: true, stamp };
  } finally {
    await rm(work, { recursive: true, force: true });
    await unlock();
  }
}

/** busybox-static for the target: the host's installed one when it is the same architecture, else downloaded. */
async function busyboxSource(apt: AptContext): Promise<{ pkg: PackageVersion; path?: string }> {
  if (apt.options.length === 0) {
    const installed = await run(['dpkg-query', '-W', '-f', '${Version} ${Architecture}', 'busybox-static'], {
      what: 'ask dpkg about busybox-static',
    }).then(
      (out) => out.toString().trim().split(' '),
      () => undefined,
    );
    const path = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
    if (installed?.[0] && installed[1] === apt.debArch && path) {
      return { pkg: { name: 'busybox-static', version: installed[0], depends: [] }, path };
    }
  }
  return { pkg: await candidate(apt, 'busybox-static') };
}

async function isCurrent(outDir: string, stamp: GuestStamp): Promise<boolean> {
  if (!existsSync(join(outDir, 'vmlinuz')) || !existsSync(join(outDir, 'initramfs.cpio.gz'))) return false;
  const text = await readFile(join(outDir, 'stamp.json'), 'utf8').catch(() => '');
  return text === `${JSON.stringify(stamp, null, 2)}\n`;
}
