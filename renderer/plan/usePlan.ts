import { compile, type LabPlan } from '../../shared/compiler';
import type { Topology } from '../../shared/model';
import { useEditor } from '../store/editor';
import { pageTarget, type ProbedTarget } from './target';
import { useTargetOptions, type TargetOptions } from './targetOptions';

export type PlanResult = { readonly ok: true; readonly plan: LabPlan } | { readonly ok: false; readonly error: string };

let last: { doc: Topology; probed: ProbedTarget; options: TargetOptions; result: PlanResult } | null = null;

/** Same document for the compiler: layout (a drag) does not change the plan. */
function sameForCompile(a: Topology, b: Topology): boolean {
  return (
    a === b ||
    (a.nodes === b.nodes &&
      a.links === b.links &&
      a.settings === b.settings &&
      a.name === b.name &&
      a.version === b.version)
  );
}

/**
 * The plan of a document for the probed target and the page's target options; memoized on all three (every panel
 * shares one compile per edit, and moving nodes does not recompile).
 */
export function planOf(
  doc: Topology,
  probed: ProbedTarget,
  options: TargetOptions = useTargetOptions.getState().options,
): PlanResult {
  if (last && sameForCompile(last.doc, doc) && last.probed === probed && last.options === options) return last.result;
  let result: PlanResult;
  try {
    result = { ok: true, plan: compile(doc, pageTarget(probed, options, doc)) };
  } catch (error) {
    result = { ok: false, error: (error as Error)?.message ?? String(error) };
  }
  last = { doc, probed, options, result };
  return result;
}

/**
 * The live plan, or null until the target is known. The store is read through `planOf`, whose answer keeps its
 * identity while only the layout changes: a drag re-renders no panel that shows the plan.
 */
export function usePlan(): PlanResult | null {
  const options = useTargetOptions((s) => s.options);
  return useEditor((s) => (s.probed ? planOf(s.doc, s.probed, options) : null));
}
