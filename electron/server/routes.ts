import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assembleTarget, type ChosenQemu, type HostProbe, type TargetOptions } from '../../shared/compiler/target';
import type { ExamplesResponse, NicModelsResponse, QemuOffer, TargetResponse } from '../../shared/web-api';
import type { Route } from './server';

/** NIC models per `<arch>/<machine>` pair, as the engine's cache probes them (`NicModelCache`). */
export interface NicModels {
  /** The models of `arch/machine` (of the chosen QEMU, else the server's), or null when the pair is not a valid one. */
  get(pair: string, chosen?: ChosenQemu): readonly string[] | null;
  /** Every pair probed so far for that QEMU (empty: unknown). */
  known(chosen?: ChosenQemu): Record<string, readonly string[]>;
  /** The pairs probed at start-up. */
  readonly common: readonly string[];
}

/**
 * What a server's page compiles with: this host probed as the server's flags say (the same probe its engine
 * uses), and the flags' choices. The page assembles its target from these with assembleTarget, as `qnet compile`
 * and the engine do. The page may choose another QEMU (its QEMU setting): then that one is probed, as a launch
 * with that choice (LaunchOptions.qemu) probes and runs it.
 */
export interface TargetSource {
  readonly options: TargetOptions;
  /** The server's own QEMU (`--qemu`), if it was given one. */
  readonly chosenQemu?: ChosenQemu;
  /** This host probed for the pairs; with `chosen`, that QEMU's binaries asked instead of the server's. */
  probe(pairs: readonly string[], chosen?: ChosenQemu): Promise<HostProbe>;
  /** A QEMU the page names, read as a launch reads it; throws an Error naming the path when it holds none. */
  chooseQemu(path: string): ChosenQemu;
  /** QEMUs to offer besides the server's own. */
  offers(): readonly QemuOffer[];
}

const badRequest = (message: string) => ({
  status: 400,
  body: { ok: false, error: { code: 'INVALID_REQUEST', message } },
});

/** The QEMU a request names (`?qemu=PATH`), else the server's own; a sentence when the path is no QEMU. */
function qemuOf(
  source: TargetSource,
  params: URLSearchParams,
): { ok: true; path?: string; chosen?: ChosenQemu } | { ok: false; message: string } {
  const path = params.get('qemu');
  if (path === null || path === '') return { ok: true, ...(source.chosenQemu ? { chosen: source.chosenQemu } : {}) };
  if (!path.startsWith('/') || path.includes('\0'))
    return { ok: false, message: `qemu must be an absolute path (got "${path}")` };
  try {
    return { ok: true, path, chosen: source.chooseQemu(path) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** The /api/ GET routes of web mode (and of the desktop window's app protocol). */
export function webRoutes(source: TargetSource, nics: NicModels, examplesDir: string): Record<string, Route> {
  return {
    '/api/target': async (params) => {
      const q = qemuOf(source, params);
      if (!q.ok) return badRequest(q.message);
      const probe = await source.probe([...nics.common, ...Object.keys(nics.known(q.chosen))], q.chosen);
      // A chosen QEMU is asked its version, as --qemu excludes --qemu-version.
      const { qemuVersion: _version, ...rest } = source.options;
      const options = q.path !== undefined ? rest : source.options;
      const body: TargetResponse = {
        probe,
        options,
        target: assembleTarget(probe, options),
        engineDir: process.cwd(),
        ...(q.path !== undefined ? { qemu: q.path } : {}),
        qemuOffers: source.offers(),
      };
      return { status: 200, body };
    },
    '/api/nic-models': (params) => {
      const pair = params.get('pair') ?? '';
      const q = qemuOf(source, params);
      if (!q.ok) return badRequest(q.message);
      const models = nics.get(pair, q.chosen);
      if (!models) return badRequest(`bad pair "${pair}": want ARCH/MACHINE`);
      const body: NicModelsResponse = { pair, models };
      return { status: 200, body };
    },
    '/api/examples': async () => {
      const files = (await readdir(examplesDir)).filter((f) => f.endsWith('.qnet.yaml')).sort();
      const examples = await Promise.all(
        files.map(async (file) => ({ file, text: await readFile(join(examplesDir, file), 'utf8') })),
      );
      const body: ExamplesResponse = { examples };
      return { status: 200, body };
    },
  };
}
