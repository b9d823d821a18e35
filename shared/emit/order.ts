import type { ProcessPlan } from '../compiler/plan';
import type { EmitError } from './check';

/** Processes in start order, or why there is none. */
export type StartOrder =
  | { readonly ok: true; readonly order: readonly ProcessPlan[] }
  | { readonly ok: false; readonly errors: readonly EmitError[] };

/** A start order where every process follows its dependsOn; ties keep plan order, so the result is deterministic. */
export function startOrder(processes: readonly ProcessPlan[]): StartOrder {
  const errors: EmitError[] = [];
  const byId = new Map<string, number>();
  for (const [i, p] of processes.entries()) {
    if (byId.has(p.id)) {
      errors.push({
        code: 'EMIT_DUPLICATE_PROCESS',
        message: `two processes have the id ${p.id}`,
        path: ['processes', i, 'id'],
      });
    }
    byId.set(p.id, i);
  }
  for (const [i, p] of processes.entries()) {
    for (const [j, dep] of p.dependsOn.entries()) {
      if (!byId.has(dep)) {
        const message = `process ${p.id} depends on ${dep}, which is not a process of this plan`;
        errors.push({ code: 'EMIT_UNKNOWN_DEPENDENCY', message, path: ['processes', i, 'dependsOn', j] });
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };

  const placed = new Set<string>();
  const order: ProcessPlan[] = [];
  while (order.length < processes.length) {
    const next = processes.find((p) => !placed.has(p.id) && p.dependsOn.every((d) => placed.has(d)));
    if (next === undefined) {
      const stuck = processes.filter((p) => !placed.has(p.id)).map((p) => p.id);
      const message = `processes depend on each other in a cycle: ${stuck.join(', ')}`;
      return { ok: false, errors: [{ code: 'EMIT_DEPENDENCY_CYCLE', message, path: ['processes'] }] };
    }
    placed.add(next.id);
    order.push(next);
  }
  return { ok: true, order };
}
