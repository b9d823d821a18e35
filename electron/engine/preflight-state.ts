/** Preflight: the lab's state directory and its base are the user's alone (state-dir.ts), where they exist. */
import { dirname } from 'node:path';
import type { Diagnostic } from '../../shared/diagnostics';
import type { PreflightContext } from './preflight';
import { pdiag } from './preflight-diag';
import { checkPrivateDir } from './state-dir';

/** The diagnostic of a state directory refused: the sentence names the path and the fix. */
export function stateDirProblem(message: string): Diagnostic {
  return pdiag('PREFLIGHT_STATE_DIR', message, {
    fix: 'use a state directory of your own (--state-dir DIR), made 0700',
  });
}

/** The base and lab directories, where they exist already (a launch makes them 0700 when missing). */
export function checkStateDirs(ctx: PreflightContext): Diagnostic[] {
  const labDir = ctx.plan.stateDir;
  for (const [dir, what] of [
    [dirname(labDir), 'the state directory'],
    [labDir, 'the lab directory'],
  ] as const) {
    const r = checkPrivateDir(dir, undefined, what);
    if (!r.ok && !r.missing) return [stateDirProblem(r.message)];
    if (!r.ok) return [];
  }
  return [];
}
