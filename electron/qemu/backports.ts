/**
 * A private apt view of Debian's backports: its own sources list, lists, and package cache under the user's
 * cache. The system's apt sources and state are read (to find the mirror the machine already uses) and never
 * changed; nothing here needs root.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GuestBuildError } from '../guest/errors';
import { run } from '../guest/exec';
import { parseAptShow, type PackageVersion } from '../guest/apt';

/** Debian's archive key, which signs backports as it signs the release. */
const ARCHIVE_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** The apt options that point apt at the private view in `dir`. */
export function privateAptOptions(dir: string): string[] {
  // prettier-ignore
  return [
    '-o', `Dir::Etc::SourceList=${join(dir, 'sources.list')}`,
    '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', `Dir::State::Lists=${join(dir, 'lists')}`,
    '-o', `Dir::Cache=${join(dir, 'cache')}`,
    '-o', 'Debug::NoLocking=1',
  ];
}

/**
 * The Debian mirror serving `codename`'s main component, from `apt-cache policy` (its "Package files" lines read
 * ` 500 http://deb.debian.org/debian bookworm/main amd64 Packages`), whatever format the sources are written in.
 */
export function mirrorOf(policy: string, codename: string): string | undefined {
  for (const line of policy.split('\n')) {
    const m = /^\s*-?\d+\s+(\S+)\s+(\S+)\/main\s/.exec(line);
    if (m?.[2] === codename && m[1] && /^https?:\/\//.test(m[1])) return m[1];
  }
  return undefined;
}

/** The codename of this Debian (VERSION_CODENAME of /etc/os-release). */
export function codenameOf(osRelease: string): string | undefined {
  return /^VERSION_CODENAME=["']?([a-z]+)/m.exec(osRelease)?.[1];
}

/**
 * Writes the private sources list for `<codename>-backports` on the system's own mirror and fetches its lists.
 * Returns the apt options to use it.
 */
export async function backportsView(dir: string, codename: string, log: (line: string) => void): Promise<string[]> {
  const policy = (await run(['apt-cache', 'policy'], { what: "read the system's apt sources" })).toString();
  const mirror = mirrorOf(policy, codename);
  if (!mirror) {
    throw new GuestBuildError(
      'GUEST_APT_FAILED',
      `no Debian mirror serving ${codename}/main is configured in this system's apt sources`,
      'add the Debian mirror to /etc/apt/sources.list (or sources.list.d) and run `sudo apt-get update`',
    );
  }
  await mkdir(join(dir, 'lists', 'partial'), { recursive: true });
  await mkdir(join(dir, 'cache', 'archives', 'partial'), { recursive: true });
  await writeFile(
    join(dir, 'sources.list'),
    `deb [signed-by=${ARCHIVE_KEYRING}] ${mirror} ${codename}-backports main\n`,
  );
  const options = privateAptOptions(dir);
  log(`qemu: fetching the ${codename}-backports package lists from ${mirror}`);
  await run(['apt-get', ...options, '-q', 'update'], { what: `fetch the ${codename}-backports package lists` });
  return options;
}

/** The version of `name` that `<suite>` carries, from the private view. */
export async function backportsCandidate(
  options: readonly string[],
  name: string,
  suite: string,
): Promise<PackageVersion> {
  const out = await run(['apt-cache', ...options, 'show', `${name}/${suite}`], {
    what: `find ${name} in ${suite}`,
  }).catch(() => Buffer.from(''));
  const found = parseAptShow(out.toString());
  if (!found) throw new GuestBuildError('GUEST_PACKAGE_NOT_FOUND', `${suite} carries no ${name}`);
  return found;
}

/** Downloads `name/suite` for each package into `dir` (the version chosen is the suite's). */
export async function downloadFrom(
  options: readonly string[],
  names: readonly string[],
  suite: string,
  dir: string,
): Promise<void> {
  const specs = names.map((n) => `${n}/${suite}`);
  const sandbox = process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : [];
  await run(['apt-get', ...options, '-q', ...sandbox, 'download', ...specs], {
    cwd: dir,
    what: `download ${specs.join(' ')} with apt-get download`,
  });
}
