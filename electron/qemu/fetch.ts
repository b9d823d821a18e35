/**
 * `qnet qemu fetch 10.0`: a second QEMU beside the system's, without touching it. Debian 12's backports carry
 * QEMU 10.0 built against Debian 12's libraries; its packages are downloaded through a private apt view
 * (backports.ts) and unpacked with `dpkg-deb -x` into the user's cache. Idempotent (a stamp names the package
 * versions), one fetch at a time (a lock), like the tiny guest's build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GuestBuildError } from '../guest/errors';
import { requireTools, run } from '../guest/exec';
import { cacheLock } from '../guest/lock';
import { backportsCandidate, backportsView, codenameOf, downloadFrom } from './backports';

/** What each fetchable version is made of: the suite that carries it and its packages. */
const RELEASES: Record<string, { codename: string; suite: string; packages: readonly string[] }> = {
  '10.0': {
    codename: 'bookworm',
    suite: 'bookworm-backports',
    // seabios too: QEMU 10.0 wants a newer one than Debian 12's (its Depends: seabios >> 1.16.3).
    packages: ['qemu-system-x86', 'qemu-system-arm', 'qemu-system-common', 'qemu-system-data', 'seabios'],
  },
};

/** The versions `qnet qemu fetch` knows. */
export const FETCHABLE_QEMU = Object.keys(RELEASES);

export interface FetchQemuOptions {
  readonly version: string;
  /** The directory holding `<version>/`; default `qemuCacheDir()`. */
  readonly cacheDir: string;
  readonly log: (line: string) => void;
  /** Fetch again even when a fetched tree is there. */
  readonly force?: boolean;
  /** Ask the mirror whether backports moved on, and fetch again when it did (otherwise a fetched tree is kept). */
  readonly refresh?: boolean;
  /** /etc/os-release's text (a seam for tests of the refusal on another distribution). */
  readonly osRelease?: string;
}

export interface FetchedQemu {
  /** The unpacked tree: `usr/bin/qemu-system-*`, `usr/share/qemu`, … (resolveQemuInstall reads it). */
  readonly dir: string;
  /** `qemu-system-x86_64 --version`'s first line. */
  readonly banner: string;
  readonly built: boolean;
  readonly stamp: QemuStamp;
}

interface QemuStamp {
  readonly version: string;
  readonly packages: readonly string[];
}

/** Fetches and unpacks QEMU `version` into the cache, or returns the cached tree when its stamp is current. */
export async function fetchQemu(options: FetchQemuOptions): Promise<FetchedQemu> {
  const { version, cacheDir, log } = options;
  const release = RELEASES[version];
  if (!release)
    throw new GuestBuildError(
      'GUEST_PACKAGE_NOT_FOUND',
      `qnet qemu fetch knows QEMU ${FETCHABLE_QEMU.join(', ')}, not ${version}`,
    );
  const osRelease = options.osRelease ?? (await readFile('/etc/os-release', 'utf8').catch(() => ''));
  const codename = codenameOf(osRelease);
  if (codename !== release.codename) {
    throw new GuestBuildError(
      'GUEST_PACKAGE_NOT_FOUND',
      `QEMU ${version} is fetched from Debian's ${release.suite}, built for Debian ${release.codename}'s libraries; this system is ${codename ?? 'not Debian'}`,
      `install your distribution's QEMU ${version} or build it, and choose it with --qemu DIR`,
    );
  }
  requireTools(['apt-get', 'apt-cache', 'dpkg-deb']);
  await mkdir(cacheDir, { recursive: true });
  const dir = join(cacheDir, version);
  const unlock = await cacheLock(join(cacheDir, `${version}.lock`), log, 'qemu');
  try {
    const kept = options.force || options.refresh ? undefined : await readStamp(dir);
    if (kept) {
      const banner = versionBanner(dir);
      if (banner.includes(`version ${version}.`)) {
        log(`qemu ${version}: already in ${dir} (${banner})`);
        return { dir, banner, built: false, stamp: kept };
      }
    }
    const apt = await backportsView(join(cacheDir, 'apt'), release.codename, log);
    const found = await Promise.all(release.packages.map((p) => backportsCandidate(apt, p, release.suite)));
    const stamp: QemuStamp = { version, packages: found.map((p) => `${p.name}=${p.version}`) };
    const qemu = found[0];
    if (!qemu?.version.replace(/^\d+:/, '').startsWith(`${version}.`)) {
      throw new GuestBuildError(
        'GUEST_PACKAGE_NOT_FOUND',
        `${release.suite} now carries ${qemu?.name} ${qemu?.version}, not QEMU ${version}`,
      );
    }
    if (!options.force && (await isCurrent(dir, stamp))) {
      const banner = versionBanner(dir);
      log(`qemu ${version}: up to date in ${dir} (${banner})`);
      return { dir, banner, built: false, stamp };
    }
    const work = await mkdtemp(join(cacheDir, `.${version}.fetch-`));
    try {
      log(`qemu ${version}: downloading ${stamp.packages.join(' ')}`);
      const debs = join(work, 'debs');
      await mkdir(debs);
      await downloadFrom(apt, release.packages, release.suite, debs);
      const root = join(work, 'root');
      for (const deb of (await readdir(debs)).filter((f) => f.endsWith('.deb')).sort()) {
        await run(['dpkg-deb', '-x', join(debs, deb), root], { what: `unpack ${deb}` });
      }
      const banner = versionBanner(root);
      if (!banner.includes(`version ${version}.`)) {
        throw new GuestBuildError(
          'GUEST_COMMAND_FAILED',
          `the unpacked qemu-system-x86_64 does not run as QEMU ${version}: ${banner || 'no version printed'}`,
        );
      }
      // Outputs first, stamp last: a fetch interrupted half way is never taken as current.
      await rm(dir, { recursive: true, force: true });
      await rename(root, dir);
      await writeFile(join(dir, 'qnet-stamp.json'), `${JSON.stringify(stamp, null, 2)}\n`);
      log(`qemu ${version}: unpacked into ${dir} (${banner})`);
      return { dir, banner, built: true, stamp };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  } finally {
    await unlock();
  }
}

async function isCurrent(dir: string, stamp: QemuStamp): Promise<boolean> {
  return JSON.stringify(await readStamp(dir)) === JSON.stringify(stamp);
}

/** The stamp of a complete fetch in `dir`, if there is one. */
async function readStamp(dir: string): Promise<QemuStamp | undefined> {
  if (!existsSync(join(dir, 'usr', 'bin', 'qemu-system-x86_64'))) return undefined;
  const text = await readFile(join(dir, 'qnet-stamp.json'), 'utf8').catch(() => '');
  try {
    const stamp = JSON.parse(text) as QemuStamp;
    return typeof stamp.version === 'string' && Array.isArray(stamp.packages) ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/** The first line of the unpacked x86_64 binary's `--version` ('' when it does not run). */
function versionBanner(root: string): string {
  const r = spawnSync(join(root, 'usr', 'bin', 'qemu-system-x86_64'), ['--version'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return r.status === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : '';
}
