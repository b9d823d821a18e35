import type { Target } from '../../shared/compiler';
import { defaultMachine } from '../../shared/compiler/machine';
import type { Topology } from '../../shared/model';
import type { TargetOptions } from './targetOptions';

/** What `qnet serve` probed (GET /api/target), plus NIC models fetched since. */
export interface ProbedTarget {
  readonly base: Target;
  readonly probesNicModels: boolean;
  readonly nicModels: Readonly<Record<string, readonly string[]>>;
}

/** The `<arch>/<machine type>` pairs a topology's VMs use, in node order (as the CLI probes them). */
export function machinePairs(t: Pick<Topology, 'nodes'>): string[] {
  const out: string[] = [];
  for (const n of t.nodes) {
    if (n.kind !== 'vm') continue;
    const machine = n.machine ?? defaultMachine(n.arch);
    const key = `${n.arch}/${machine.split(',')[0] ?? machine}`;
    if (!out.includes(key)) out.push(key);
  }
  return out;
}

/**
 * The target `qnet compile` would build for this topology: the probed base with `nicModels` for the pairs the
 * topology uses (non-empty ones, node order), keys in the CLI's order so plan.json comes out byte for byte the same.
 * `options` override privilege, isolation and state directory in place (their keys keep their order).
 */
export function targetFor(t: Topology, probed: ProbedTarget, options: TargetOptions = {}): Target {
  const { nicModels: _drop, vhostNet, ...base } = probed.base;
  const head = { ...base };
  if (options.privilege) head.privilege = options.privilege;
  if (options.isolation) head.isolation = options.isolation;
  if (options.stateDir) head.stateDir = options.stateDir;
  const nicModels: Record<string, readonly string[]> = {};
  for (const pair of machinePairs(t)) {
    const models = probed.nicModels[pair];
    if (models && models.length) nicModels[pair] = models;
  }
  return { ...head, ...(probed.probesNicModels ? { nicModels } : {}), ...(vhostNet !== undefined ? { vhostNet } : {}) };
}
