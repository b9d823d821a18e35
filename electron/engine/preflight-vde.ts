/** Preflight: no VDE switch of the lab's is to start where a live switch already listens (a shared `sock:`). */
import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Diagnostic } from '../../shared/diagnostics';
import type { PreflightContext } from './preflight';
import { pdiag } from './preflight-diag';
import { connectUnix } from './unix-socket';

/** True when a process accepts connections on the unix socket at `path` (a stale socket file does not). */
export async function socketAnswers(path: string): Promise<boolean> {
  try {
    if (!lstatSync(path).isSocket()) return false;
  } catch {
    return false;
  }
  const r = await connectUnix(path, { deadlineMs: 0 });
  if (r.ok) r.value.destroy();
  return r.ok;
}

/** Each switch's control socket (`DIR/ctl`) has no live switch behind it: that directory is another switch's. */
export async function checkVdeSwitches(ctx: PreflightContext): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const p of ctx.plan.processes) {
    if (p.kind !== 'vde_switch' || p.ready.type !== 'path' || !(await socketAnswers(p.ready.path))) continue;
    const dir = dirname(p.ready.path);
    const fix = `give ${p.node} a socket directory of its own (its sock field), or stop the switch running at ${dir}`;
    out.push(
      pdiag(
        'PREFLIGHT_VDE_SWITCH_RUNNING',
        `VDE switch ${p.node}: another switch already runs at ${dir} (its ctl socket answers): ${fix}`,
        { nodes: [p.node], fix },
      ),
    );
  }
  return out;
}
