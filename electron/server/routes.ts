import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Arch } from '../../shared/model/schema';
import { assembleTarget, type HostProbe, type TargetOptions } from '../../shared/compiler/target';
import { parsePair, probeNicModels } from '../engine/probe-nic-models';
import type { ExamplesResponse, NicModelsResponse, TargetResponse } from '../../shared/web-api';
import type { Route } from './server';

/**
 * The `<arch>/<machine>` pairs probed at start-up; others are probed when the page first uses them. Not microvm:
 * QEMU 7.2 ignores `-nic model=help` there and boots until the probe's timeout.
 */
export const COMMON_PAIRS = ['x86_64/q35', 'x86_64/pc', 'aarch64/virt', 'riscv64/virt'];

/** NIC models per pair, probed once each. */
export class NicModelCache {
  private readonly models = new Map<string, readonly string[]>();
  constructor(private readonly probe: (arch: Arch, machine: string) => readonly string[] = probeNicModels) {}

  /** The models of `arch/machine`, or null when the pair is not a valid one. */
  get(pair: string): readonly string[] | null {
    const p = parsePair(pair);
    if (p === null) return null;
    const key = `${p.arch}/${p.machine}`;
    let hit = this.models.get(key);
    if (!hit) this.models.set(key, (hit = this.probe(p.arch, p.machine)));
    return hit;
  }

  /** Every pair probed so far (empty: unknown). */
  known(): Record<string, readonly string[]> {
    return Object.fromEntries(this.models);
  }
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
export function webRoutes(source: TargetSource, nics: NicModelCache, examplesDir: string): Record<string, Route> {
  return {
    '/api/target': async () => {
      const probe = await source.probe([...COMMON_PAIRS, ...Object.keys(nics.known())]);
      const body: TargetResponse = { probe, options: source.options, target: assembleTarget(probe, source.options), engineDir: process.cwd() };
      return { status: 200, body };
    },
    '/api/nic-models': (params) => {
      const pair = params.get('pair') ?? '';
      const models = nics.get(pair);
      if (!models) return { status: 400, body: { ok: false, error: { code: 'INVALID_REQUEST', message: `bad pair "${pair}": want ARCH/MACHINE` } } };
      const body: NicModelsResponse = { pair, models };
      return { status: 200, body };
    },
    '/api/examples': async () => {
      const files = (await readdir(examplesDir)).filter((f) => f.endsWith('.qnet.yaml')).sort();
      const examples = await Promise.all(files.map(async (file) => ({ file, text: await readFile(join(examplesDir, file), 'utf8') })));
      const body: ExamplesResponse = { examples };
      return { status: 200, body };
    },
  };
}
