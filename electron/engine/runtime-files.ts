/**
 * The files a lab's processes leave behind (sockets, pidfiles, FIFOs, linked clones to discard) and their removal; console and process logs
 * are kept. Mirrors down.sh's remove_runtime_files, plus a sweep of the lab's own state directory for sockets a
 * killed process could not unlink (a SIGKILLed QEMU leaves its QMP, console and stream sockets).
 */
import { lstatSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LabPlan } from '../../shared/compiler/plan';

/**
 * The plan's runtime files, and the socket directories (VDE switches) to remove when empty: only those in the lab's
 * own state directory. A switch's `sock:` elsewhere is not the lab's to clean: vde_switch removes its own control
 * socket and directory when it stops, and whatever else is there belongs to someone else.
 */
export function runtimeFiles(plan: LabPlan): { files: string[]; dirs: string[] } {
  const files = new Set<string>();
  const dirs = new Set<string>();
  const ours = (path: string) => path.startsWith(`${plan.stateDir}/`);
  for (const p of plan.processes) {
    if (p.pidfile !== undefined) files.add(p.pidfile);
    if (p.ready.type === 'qmp') files.add(p.ready.socket);
    if (p.ready.type === 'path') {
      files.add(p.ready.path);
      if (dirname(p.ready.path) !== plan.stateDir) dirs.add(dirname(p.ready.path));
    }
    for (const d of p.runtimeDirs ?? []) dirs.add(d);
    for (const f of p.runtimeFiles ?? []) files.add(f);
  }
  for (const vm of plan.vms) {
    [vm.console, vm.qmp, vm.pidfile].forEach((f) => files.add(f));
    // A linked clone to discard goes with the lab; a kept one stays for its next launch.
    for (const d of vm.disks ?? []) if (d.overlay && !d.overlay.keep) files.add(d.overlay.path);
  }
  return { files: [...files].filter(ours), dirs: [...dirs].filter(ours) };
}

/** Removes sockets, FIFOs and pidfiles under `dir` (one level of subdirectories deep), then empty subdirectories. */
export function sweepStateDir(dir: string): string[] {
  const removed: string[] = [];
  const walk = (d: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory() && depth < 1) {
        walk(p, depth + 1);
        try {
          rmdirSync(p);
          removed.push(p);
        } catch {
          // not empty: leave it
        }
      } else if (st.isSocket() || st.isFIFO() || name.endsWith('.pid')) {
        rmSync(p, { force: true });
        removed.push(p);
      }
    }
  };
  walk(dir, 0);
  return removed;
}

/** Removes the plan's runtime files in its state directory, then sweeps that directory. */
export function removeRuntimeFiles(plan: LabPlan): string[] {
  const { files, dirs } = runtimeFiles(plan);
  const removed: string[] = [];
  for (const f of files) {
    try {
      lstatSync(f);
      rmSync(f, { force: true });
      removed.push(f);
    } catch {
      // already gone
    }
  }
  for (const d of dirs) {
    try {
      rmdirSync(d);
      removed.push(d);
    } catch {
      // gone, or not empty
    }
  }
  return [...removed, ...sweepStateDir(plan.stateDir)];
}
