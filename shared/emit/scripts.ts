import type { LabPlan } from '../compiler/plan';
import type { EmitError } from './check';
import { checkPlan } from './check';
import { emitContext } from './context';
import { downScript } from './down';
import { planToJson } from './json';
import { startOrder } from './order';
import { readme } from './readme';
import { upScript } from './up';

/** One exported file: a path relative to the export directory, its text and its permission bits. */
export interface EmitFile {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

/** The exported files, or why the plan cannot be exported (never thrown). */
export type EmitResult =
  | { readonly ok: true; readonly files: readonly EmitFile[] }
  | { readonly ok: false; readonly errors: readonly EmitError[] };

/** up.sh, down.sh, plan.json and README.txt for a plan; deterministic (same plan, same bytes). */
export function emitScripts(plan: LabPlan): EmitResult {
  const errors = checkPlan(plan);
  const order = startOrder(plan.processes);
  if (!order.ok) errors.push(...order.errors);
  if (errors.length > 0 || !order.ok) return { ok: false, errors };
  const ctx = emitContext(plan, order.order);
  return {
    ok: true,
    files: [
      { path: 'up.sh', content: upScript(ctx), mode: 0o755 },
      { path: 'down.sh', content: downScript(ctx), mode: 0o755 },
      { path: 'plan.json', content: planToJson(plan), mode: 0o644 },
      { path: 'README.txt', content: readme(ctx), mode: 0o644 },
    ],
  };
}
