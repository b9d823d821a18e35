import type { LabPlan } from '../compiler/plan';

/** The LabPlan as the JSON of `qnet compile --json` and `plan.json`: stable key order, two-space indent. */
export function planToJson(plan: LabPlan): string {
  const doc = {
    lab: plan.lab,
    privilege: plan.privilege,
    stateDir: plan.stateDir,
    netns: plan.netns,
    vms: plan.vms,
    hostSteps: plan.hostSteps,
    processes: plan.processes,
    needs: plan.needs,
    diagnostics: plan.diagnostics,
    target: plan.target,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
