/**
 * The tiny guest on demand: a launch whose VMs boot the tiny guest builds it first when it is missing (a kernel and
 * a busybox initramfs from the distribution's packages, into the user's cache, no root), so a newcomer can draw two
 * VMs and launch them without running `qnet guest build` first, or having a `qnet` command at all (the desktop
 * package). The build is the caller's (`EngineOptions.buildGuest`); a build that fails leaves preflight to say what
 * is missing, with the command that builds it.
 */
import { existsSync } from 'node:fs';
import type { LabPlan } from '../../shared/compiler/plan';

/** Builds the tiny guest for `arch` where the compile target looks for it; `log` gets its progress lines. */
export type GuestBuilder = (arch: string, log: (line: string) => void) => Promise<void>;

/** The architectures whose tiny guest some guest of the plan (a VM, a UML) boots and whose kernel or initramfs is missing. */
function missingTinyGuests(plan: LabPlan): string[] {
  const archs = new Set<string>();
  for (const vm of plan.vms) {
    if (vm.tinyGuest !== null && vm.bootFiles.some((f) => !existsSync(f.path))) archs.add(vm.tinyGuest);
  }
  for (const p of plan.processes) {
    const boot = p.boot;
    if (boot?.tinyGuest && boot.files.some((f) => !existsSync(f.path))) archs.add(boot.tinyGuest);
  }
  return [...archs].sort();
}

/**
 * Builds each missing tiny guest in turn, reporting through `log`; true when something was built (the plan must
 * then be compiled again, against the guest now there).
 */
export async function buildMissingGuests(
  plan: LabPlan,
  build: GuestBuilder,
  log: (level: 'info' | 'error', message: string) => void,
): Promise<boolean> {
  let built = false;
  for (const arch of missingTinyGuests(plan)) {
    log(
      'info',
      `tiny guest: building it for ${arch} (first launch: its kernel and busybox come from the distribution's packages)`,
    );
    try {
      await build(arch, (line) => log('info', `tiny guest: ${line}`));
      log('info', `tiny guest: built for ${arch}`);
      built = true;
    } catch (err) {
      log('error', `tiny guest: could not build it for ${arch}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return built;
}
