import type { LabPlan } from '../../shared/compiler';
import { shellLine } from '../../shared/emit';

/** The host setup steps as shell text, one line per step in order (what the Commands panel's block copies). */
export function setupText(plan: LabPlan): string {
  return plan.hostSteps.map((s) => `${shellLine(s.argv)}\n`).join('');
}

/** The undo steps in reverse order of setup, as shell text. */
export function teardownText(plan: LabPlan): string {
  return teardownSteps(plan)
    .map((s) => `${shellLine(s.undo!)}\n`)
    .join('');
}

/** Host steps that have an undo, last set up first torn down. */
export function teardownSteps(plan: LabPlan): LabPlan['hostSteps'] {
  return [...plan.hostSteps].reverse().filter((s) => s.undo);
}

/** How many diagnostics of each severity block or warn. */
export function errorCount(plan: LabPlan): number {
  return plan.diagnostics.filter((d) => d.severity === 'error').length;
}
