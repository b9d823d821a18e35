/**
 * The linked clones of a lab's guests: each a qcow2 overlay in the lab's state directory, made by the plan's own
 * `qemu-img create` at launch. A kept one that is already there is used again (with what the guest wrote and the
 * lab's snapshots); a discarded one is made afresh and removed with the lab's runtime files when it stops.
 */
import { lstatSync } from 'node:fs';
import type { LabPlan, OverlayPlan } from '../../shared/compiler/plan';
import { cloneBaseChanged } from '../../shared/emit/clones';
import { runCommand } from './run-command';

/** Every overlay the plan's guests open, with the node that opens it. */
export function overlaysOf(plan: LabPlan): { node: string; overlay: OverlayPlan }[] {
  return plan.vms.flatMap((vm) =>
    (vm.disks ?? []).flatMap((d) => (d.overlay ? [{ node: vm.node, overlay: d.overlay }] : [])),
  );
}

/** What is at `path`: nothing, a regular file, or something else (a link, a directory: never used as an overlay). */
function kindAt(path: string): 'none' | 'file' | 'other' {
  try {
    const st = lstatSync(path);
    return st.isFile() ? 'file' : 'other';
  } catch {
    return 'none';
  }
}

/**
 * Makes the overlays that are needed; `say` reports each. Resolves with null once every overlay is there, else
 * with a sentence naming the guest and the file.
 */
export async function makeOverlays(
  plan: LabPlan,
  env: NodeJS.ProcessEnv,
  say: (message: string) => void,
): Promise<string | null> {
  for (const { node, overlay } of overlaysOf(plan)) {
    const at = kindAt(overlay.path);
    if (at === 'other')
      return `${node}: ${overlay.path} is in the way of its linked clone (not a regular file): remove it`;
    if (at === 'file' && overlay.keep) {
      const changed = await baseProblem(node, overlay, env);
      if (changed !== null) return changed;
      say(`${node}: using its kept linked clone ${overlay.path} (of ${overlay.base})`);
      continue;
    }
    const r = await runCommand(overlay.create, { env });
    if (!r.ok) {
      const why = (r.stderr.trim() || r.stdout.trim() || `exit ${r.code ?? r.signal}`).split('\n').pop();
      return `${node}: could not make the linked clone of ${overlay.base} (${overlay.create.join(' ')}): ${why}`;
    }
    say(
      `${node}: made a linked clone of ${overlay.base} at ${overlay.path} (${overlay.keep ? 'kept' : 'discarded'} when the lab stops)`,
    );
  }
  return null;
}

/** Why a kept clone may not be used: unreadable, or made from another image than the plan's base; else null. */
async function baseProblem(node: string, overlay: OverlayPlan, env: NodeJS.ProcessEnv): Promise<string | null> {
  const r = await runCommand(overlay.info, { env });
  let backing: unknown;
  try {
    backing = r.ok ? (JSON.parse(r.stdout) as Record<string, unknown>)['backing-filename'] : undefined;
  } catch {
    backing = undefined;
  }
  if (!r.ok || (backing !== undefined && typeof backing !== 'string')) {
    const why = r.ok
      ? 'its output is not what qemu-img writes'
      : (r.stderr.trim() || `exit ${r.code ?? r.signal}`).split('\n').pop();
    return `${node}: could not read its kept linked clone ${overlay.path} (${overlay.info.join(' ')}): ${why}`;
  }
  return backing === overlay.base ? null : cloneBaseChanged(node, overlay, (backing as string | undefined) ?? null);
}
