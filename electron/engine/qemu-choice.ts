/**
 * A QEMU the user chose for a launch or in the editor (LaunchOptions.qemu, `/api/target?qemu=`), read as a launch
 * runs it, and the QEMUs `qnet qemu fetch` left in the user's cache, which the editor offers beside the installed one.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChosenQemu } from '../../shared/compiler/target';
import type { QemuOffer } from '../../shared/web-api';
import { chosenQemu } from '../qemu/chosen';
import { resolveQemuInstall } from '../qemu/install';
import { qemuCacheDir } from './host-paths';

export { QemuChoiceError } from '../qemu/install';

/** The QEMU at `path` (a binary, a directory of them, a prefix, an unpacked package); QemuChoiceError naming it if none. */
export function readQemuChoice(path: string): ChosenQemu {
  return chosenQemu(resolveQemuInstall(path));
}

/** The QEMUs `qnet qemu fetch` unpacked for this user (a finished fetch leaves its stamp), oldest version first. */
export function fetchedQemus(env: NodeJS.ProcessEnv = process.env): QemuOffer[] {
  const dir = qemuCacheDir(env);
  let versions: string[];
  try {
    versions = readdirSync(dir).filter((v) => /^\d+\.\d+$/.test(v) && existsSync(join(dir, v, 'qnet-stamp.json')));
  } catch {
    return [];
  }
  const order = (v: string) => v.split('.').map(Number) as [number, number];
  versions.sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1]);
  return versions.map((v) => ({ path: join(dir, v), label: `QEMU ${v} (qnet qemu fetch)` }));
}
