import type { ChosenQemu } from '../../shared/compiler/target';
import { join } from 'node:path';
import { resolveQemuInstall, type QemuInstall } from './install';

/** What the compile target carries of a chosen QEMU: its binaries, `-L` directories and environment. */
export function chosenQemu(install: QemuInstall): ChosenQemu {
  return { binaries: install.binaries, dataDirs: install.dataDirs, env: install.env };
}

/** The QEMU 10.0 `qnet qemu fetch 10.0` unpacked, for the suites that run on both versions; a clear error if absent. */
export function fetchedQemu10(cacheDir: string): QemuInstall {
  try {
    return resolveQemuInstall(join(cacheDir, '10.0'));
  } catch (error) {
    throw new Error(`${(error as Error).message}: fetch it with "npx qnet qemu fetch 10.0" (npm test does)`, {
      cause: error,
    });
  }
}
