import { assembleTarget, type Target } from '../../shared/compiler';
import type { Topology } from '../../shared/model';
import type { TargetResponse } from '../../shared/web-api';
import type { TargetOptions } from './targetOptions';

/** What the page compiles with: GET /api/target's host probe and choices, NIC models fetched since merged in. */
export type ProbedTarget = TargetResponse;

/**
 * The page's compile target for a document: the server's probe and choices with the page's own on top, assembled as
 * `qnet compile` and the engine assemble theirs (the isolation nobody chose decided from the document), so the
 * Commands panel shows what a launch runs.
 */
export function pageTarget(
  probed: Pick<ProbedTarget, 'probe' | 'options'>,
  options: TargetOptions = {},
  doc?: Topology,
): Target {
  // The chosen QEMU is in the probe already: the server asked that one (chooseQemu.ts).
  const { qemu: _qemu, ...chosen } = options;
  return assembleTarget(probed.probe, { ...probed.options, ...chosen }, doc);
}

/** The probe with the NIC models of one more `<arch>/<machine>` pair (the same object when it has them already). */
export function withNicModels(probed: ProbedTarget, pair: string, models: readonly string[]): ProbedTarget {
  if (pair in probed.probe.nicModels) return probed;
  return { ...probed, probe: { ...probed.probe, nicModels: { ...probed.probe.nicModels, [pair]: models } } };
}
