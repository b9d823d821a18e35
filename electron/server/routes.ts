import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Arch } from '../../shared/model/schema';
import type { Topology } from '../../shared/model/schema';
import type { Target } from '../../shared/compiler/target';
import { probeNicModels } from '../engine/probe-nic-models';
import type { ExamplesResponse, NicModelsResponse, TargetResponse } from '../../shared/web-api';
import type { Route } from './server';

/**
 * The `<arch>/<machine>` pairs probed at start-up; others are probed when the page first uses them. Not microvm:
 * QEMU 7.2 ignores `-nic model=help` there and boots until the probe's timeout.
 */
export const COMMON_PAIRS = ['x86_64/q35', 'x86_64/pc', 'aarch64/virt', 'riscv64/virt'];

const MACHINE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Probes one pair's NIC models with the same code as the CLI (a one-VM topology of that arch and machine). */
function probePair(arch: Arch, machine: string): string[] {
  const vm = { id: 'probe', kind: 'vm', arch, machine } as unknown as Topology['nodes'][number];
  return probeNicModels({ nodes: [vm] } as unknown as Topology)[`${arch}/${machine}`] ?? [];
}

/** NIC models per pair, probed once each. */
export class NicModelCache {
  private readonly models = new Map<string, readonly string[]>();
  constructor(private readonly probe: (arch: Arch, machine: string) => readonly string[] = probePair) {}

  /** The models of `arch/machine`, or null when the pair is not a valid one. */
  get(pair: string): readonly string[] | null {
    const [arch, machine, ...rest] = pair.split('/');
    const a = Arch.safeParse(arch);
    if (!a.success || machine === undefined || !MACHINE.test(machine) || rest.length) return null;
    const key = `${a.data}/${machine}`;
    let hit = this.models.get(key);
    if (!hit) this.models.set(key, (hit = this.probe(a.data, machine)));
    return hit;
  }

  /** Every pair probed so far (empty: unknown). */
  known(): Record<string, readonly string[]> {
    return Object.fromEntries(this.models);
  }
}

/** The /api/ GET routes of web mode. */
export function webRoutes(target: Target, probesNicModels: boolean, nics: NicModelCache, examplesDir: string): Record<string, Route> {
  return {
    '/api/target': () => {
      const body: TargetResponse = { target, probesNicModels, nicModels: nics.known(), engineDir: process.cwd() };
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
