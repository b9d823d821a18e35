import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assembleTarget, type HostProbe, type TargetOptions } from '../../shared/compiler/target';
import type { ExamplesResponse, NicModelsResponse, TargetResponse } from '../../shared/web-api';
import type { Route } from './server';

/** NIC models per `<arch>/<machine>` pair, as the engine's cache probes them (`NicModelCache`). */
export interface NicModels {
  /** The models of `arch/machine`, or null when the pair is not a valid one. */
  get(pair: string): readonly string[] | null;
  /** Every pair probed so far (empty: unknown). */
  known(): Record<string, readonly string[]>;
  /** The pairs probed at start-up. */
  readonly common: readonly string[];
}

/**
 * What a server's page compiles with: this host probed as the server's flags say (the same probe its engine
 * uses), and the flags' choices. The page assembles its target from these with assembleTarget, as `qnet compile`
 * and the engine do.
 */
export interface TargetSource {
  readonly options: TargetOptions;
  probe(pairs: readonly string[]): Promise<HostProbe>;
}

/** The /api/ GET routes of web mode (and of the desktop window's app protocol). */
export function webRoutes(source: TargetSource, nics: NicModels, examplesDir: string): Record<string, Route> {
  return {
    '/api/target': async () => {
      const probe = await source.probe([...nics.common, ...Object.keys(nics.known())]);
      const body: TargetResponse = {
        probe,
        options: source.options,
        target: assembleTarget(probe, source.options),
        engineDir: process.cwd(),
      };
      return { status: 200, body };
    },
    '/api/nic-models': (params) => {
      const pair = params.get('pair') ?? '';
      const models = nics.get(pair);
      if (!models)
        return {
          status: 400,
          body: { ok: false, error: { code: 'INVALID_REQUEST', message: `bad pair "${pair}": want ARCH/MACHINE` } },
        };
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
