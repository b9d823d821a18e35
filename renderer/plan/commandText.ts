import type { LabPlan } from '../../shared/compiler';
import { HOLDER_ARGV } from '../../shared/compiler/enter';
import { IN_LAB, shellLine } from '../../shared/emit';

/**
 * The host setup steps as shell text, one line per step in order (what the Commands panel's block copies). A
 * rootless lab's start with its holder, and each step enters it: pasted into a shell, they run where the lab does,
 * never on the host's own network.
 */
export function setupText(plan: LabPlan): string {
  if (plan.target.isolation !== 'userns') return plan.hostSteps.map((s) => `${shellLine(s.argv)}\n`).join('');
  return [
    `${shellLine(HOLDER_ARGV)} </dev/null >/dev/null & HOLDER=$!`,
    // nsenter must wait until the holder sits in namespaces of its own.
    'until [ "$(readlink /proc/$HOLDER/ns/net)" != "$(readlink /proc/self/ns/net)" ]; do sleep 0.05; done',
    ...plan.hostSteps.map((s) => `${IN_LAB} ${shellLine(s.argv)}`),
    '',
  ].join('\n');
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
