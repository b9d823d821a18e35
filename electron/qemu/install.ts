/**
 * A QEMU the user chose (`--qemu DIR|BINARY`, the UI's setting, or the one `qnet qemu fetch` unpacked): which
 * `qemu-system-<arch>` binaries it has, and what each needs to run from where it is. A self-built QEMU installed
 * under a prefix finds its own firmware and modules; a Debian package unpacked with `dpkg -x` does not (Debian
 * builds it for /usr), so it gets `-L` on its own data and seabios and QEMU_MODULE_DIR on its own modules, or it
 * would load the system QEMU's.
 */
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Arch } from '../../shared/model/schema';

export interface QemuInstall {
  /** The directory or binary the user named, resolved. */
  readonly chosen: string;
  /** The `qemu-system-<arch>` binaries found, by arch. */
  readonly binaries: Partial<Record<Arch, string>>;
  /** Data directories to pass with `-L`, in order; empty when the binary finds its own. */
  readonly dataDirs: readonly string[];
  /** Environment every run of these binaries needs (e.g. QEMU_MODULE_DIR); empty when none. */
  readonly env: Readonly<Record<string, string>>;
}

/** A chosen QEMU that cannot be used, in one sentence naming the path. */
export class QemuChoiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QemuChoiceError';
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function binariesIn(dir: string): Partial<Record<Arch, string>> {
  const out: Partial<Record<Arch, string>> = {};
  for (const arch of Arch.options) {
    const path = join(dir, `qemu-system-${arch}`);
    if (executable(path)) out[arch] = path;
  }
  return out;
}

/** The unpacked Debian layout above a `usr/bin`: its data, seabios and module directories, when present. */
function unpackedNeeds(root: string): Pick<QemuInstall, 'dataDirs' | 'env'> {
  const share = join(root, 'usr', 'share', 'qemu');
  if (!existsSync(share)) return { dataDirs: [], env: {} };
  const dataDirs = [share, join(root, 'usr', 'share', 'seabios')].filter((d) => existsSync(d));
  const lib = join(root, 'usr', 'lib');
  const moduleDir = readdirSafe(lib)
    .map((d) => join(lib, d, 'qemu'))
    .find((d) => existsSync(d) && readdirSafe(d).some((f) => f.endsWith('.so')));
  return { dataDirs, env: moduleDir ? { QEMU_MODULE_DIR: moduleDir } : {} };
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Reads the QEMU at `path`: a `qemu-system-<arch>` binary, a directory holding such binaries, an install prefix
 * (`bin/`), or an unpacked package (`usr/bin/`). Throws QemuChoiceError naming the path when none is found.
 */
export function resolveQemuInstall(path: string): QemuInstall {
  const chosen = resolve(path);
  if (!existsSync(chosen)) throw new QemuChoiceError(`the chosen QEMU ${chosen} does not exist`);
  let binDir: string;
  let binaries: Partial<Record<Arch, string>>;
  if (statSync(chosen).isDirectory()) {
    binDir =
      [join(chosen, 'usr', 'bin'), join(chosen, 'bin'), chosen].find((d) => Object.keys(binariesIn(d)).length > 0) ??
      chosen;
    binaries = binariesIn(binDir);
  } else {
    const arch = /^qemu-system-(.+)$/.exec(basename(chosen))?.[1];
    if (!arch || !Arch.safeParse(arch).success || !executable(chosen))
      throw new QemuChoiceError(`the chosen QEMU ${chosen} is not an executable qemu-system-<arch> binary`);
    binDir = dirname(chosen);
    binaries = { ...binariesIn(binDir), [arch]: chosen };
  }
  if (Object.keys(binaries).length === 0)
    throw new QemuChoiceError(
      `the chosen QEMU ${chosen} holds no qemu-system-<arch> binary (looked in usr/bin, bin and itself)`,
    );
  const root = basename(binDir) === 'bin' && basename(dirname(binDir)) === 'usr' ? dirname(dirname(binDir)) : undefined;
  // The system's own /usr finds its data and modules where it was built to.
  const needs = root && root !== '/' ? unpackedNeeds(root) : { dataDirs: [], env: {} };
  return { chosen, binaries, ...needs };
}

/** The arguments that go right after the binary for this install (`-L DIR` for each data directory). */
export function installArgs(install: Pick<QemuInstall, 'dataDirs'>): string[] {
  return install.dataDirs.flatMap((d) => ['-L', d]);
}
