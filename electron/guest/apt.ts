import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GuestBuildError } from './errors';
import { run } from './exec';

/** A package version apt would download. */
export interface PackageVersion {
  readonly name: string;
  readonly version: string;
  readonly depends: readonly string[];
}

/**
 * How to ask apt about one architecture. The host's own architecture (or one dpkg already knows as foreign) uses
 * the system's apt state. Any other uses apt's own lists kept under the cache, fetched with `apt-get update` from
 * the system's sources: that needs no root and does not touch the system's apt configuration.
 */
export interface AptContext {
  readonly debArch: string;
  readonly options: readonly string[];
  /** The private state directory, when the architecture is not the system's. */
  readonly stateDir?: string;
}

/** The candidate record of `apt-cache show --no-all-versions` output: name, version and dependency names. */
export function parseAptShow(text: string): PackageVersion | undefined {
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1]?.trim();
  const name = field('Package');
  const version = field('Version');
  if (!name || !version) return undefined;
  const depends = (field('Depends') ?? '')
    .split(',')
    .flatMap((alt) => alt.split('|'))
    .map((d) => d.trim().split(/[\s(:]/)[0] ?? '')
    .filter(Boolean);
  return { name, version, depends };
}

/** The apt context for `debArch`; for a foreign architecture, updates the private lists when absent or asked. */
export async function aptContext(
  debArch: string,
  stateRoot: string,
  refresh: boolean,
  log: (line: string) => void,
): Promise<AptContext> {
  const native = (await run(['dpkg', '--print-architecture'], { what: 'ask dpkg for the host architecture' }))
    .toString()
    .trim();
  const foreign = (await run(['dpkg', '--print-foreign-architectures'], { what: 'ask dpkg for foreign architectures' }))
    .toString()
    .split('\n');
  if (debArch === native || foreign.includes(debArch)) return { debArch, options: [] };
  const stateDir = join(stateRoot, debArch);
  // prettier-ignore
  const options = [
    '-o', `APT::Architecture=${debArch}`,
    '-o', `APT::Architectures::=${debArch}`,
    '-o', `Dir::State::Lists=${join(stateDir, 'lists')}`,
    '-o', `Dir::State::status=${join(stateDir, 'status')}`,
    '-o', `Dir::Cache=${join(stateDir, 'cache')}`,
    '-o', 'Debug::NoLocking=1',
  ];
  const context = { debArch, options, stateDir };
  const listed = await access(join(stateDir, 'updated')).then(
    () => true,
    () => false,
  );
  if (!listed || refresh) {
    await mkdir(join(stateDir, 'lists', 'partial'), { recursive: true });
    await mkdir(join(stateDir, 'cache', 'archives', 'partial'), { recursive: true });
    await writeFile(join(stateDir, 'status'), '');
    log(`apt: fetching the ${debArch} package lists into ${stateDir}`);
    await run(['apt-get', ...options, '-q', 'update'], {
      what: `fetch the ${debArch} package lists with apt-get update`,
    });
    await writeFile(join(stateDir, 'updated'), `${new Date().toISOString()}\n`);
  }
  return context;
}

/** The version apt would install of `name` for the context's architecture. */
export async function candidate(apt: AptContext, name: string): Promise<PackageVersion> {
  const what = `find package ${name} (${apt.debArch}) in apt's lists`;
  const out = await run(['apt-cache', ...apt.options, 'show', '--no-all-versions', `${name}:${apt.debArch}`], {
    what,
  }).catch((error: unknown) => {
    if (error instanceof GuestBuildError && error.code === 'GUEST_COMMAND_FAILED') return Buffer.from('');
    throw error;
  });
  const found = parseAptShow(out.toString());
  if (!found) {
    const fix = apt.stateDir
      ? `check that the system's apt sources serve ${apt.debArch} (a Debian mirror does), then retry with --refresh`
      : 'run `sudo apt-get update`; on a distribution other than Debian, boot the VM from your own kernel and initrd';
    throw new GuestBuildError('GUEST_PACKAGE_NOT_FOUND', `cannot ${what}: apt knows no such package`, fix);
  }
  return found;
}

/** Downloads the exact versions into `dir` with `apt-get download`; returns the .deb paths in the same order. */
export async function download(apt: AptContext, packages: readonly PackageVersion[], dir: string): Promise<string[]> {
  const specs = packages.map((p) => `${p.name}:${apt.debArch}=${p.version}`);
  // As root, apt drops to the _apt user, which cannot write into a private temp dir; the download is still verified.
  await run(['apt-get', ...apt.options, '-q', '-o', 'APT::Sandbox::User=root', 'download', ...specs], {
    cwd: dir,
    what: `download ${specs.join(' ')} with apt-get download`,
  });
  const files = await readdir(dir);
  return packages.map((p) => {
    const file = files.find((f) => f.startsWith(`${p.name}_`) && f.endsWith('.deb'));
    if (!file)
      throw new GuestBuildError(
        'GUEST_APT_FAILED',
        `apt-get download reported success but left no ${p.name} .deb in ${dir}`,
      );
    return join(dir, file);
  });
}
