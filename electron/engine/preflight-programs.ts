/** Preflight: the programs a lab runs are installed, QEMU is the version compiled for, KVM works where asked. */
import type { Diagnostic } from '../../shared/diagnostics';
import { debianPackage } from '../../shared/emit/packages';
import { probeKvm } from './kvm';
import type { PreflightContext } from './preflight';
import { pdiag } from './preflight-diag';
import { probeQemu } from './probe-qemu';
import { findProgram } from './which';
import { standardQemu } from '../../shared/model/trust';

/** Every program the plan runs (its `needs.programs`) is installed. */
export function checkPrograms(ctx: PreflightContext): Diagnostic[] {
  const { plan } = ctx;
  const out: Diagnostic[] = [];
  for (const { program, nodes } of plan.needs.programs) {
    if (findProgram(program, ctx.env) !== null) continue;
    const pkg = debianPackage(program);
    const who = nodes.length > 0 ? ` (needed by ${nodes.join(', ')})` : '';
    const fix = pkg ? `sudo apt-get install ${pkg}` : `install ${program} or fix the binary path`;
    out.push(
      pdiag('PREFLIGHT_PROGRAM_MISSING', `${program} is not installed${who}: ${fix}`, { nodes: [...nodes], fix }),
    );
  }
  return out;
}

/**
 * The installed QEMU of every guest is the version the plan was compiled for. A VM's own `binary` is asked only when
 * the user launches the lab: a Validate must not run a program the file names.
 */
export function checkQemuVersion(ctx: PreflightContext): Diagnostic[] {
  const want = ctx.plan.target.qemuVersion;
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const vm of ctx.plan.vms) {
    const { binary } = vm;
    if (ctx.launching !== true && binary !== standardQemu(vm.arch)) continue;
    if (seen.has(binary)) continue;
    seen.add(binary);
    const path = findProgram(binary, ctx.env);
    if (path === null) continue; // reported by checkPrograms
    const have = (ctx.qemuVersionOf ?? ((b: string) => probeQemu(b).version))(path);
    if (have === null || (have.major === want.major && have.minor === want.minor)) continue;
    out.push(
      pdiag(
        'PREFLIGHT_QEMU_VERSION',
        `the lab was compiled for QEMU ${want.major}.${want.minor} but ${binary} is ${have.major}.${have.minor}: compile it again for the installed QEMU (without --qemu-version)`,
        {
          nodes: ctx.plan.vms.filter((v) => v.binary === binary).map((v) => v.node),
          fix: 'Compile for the installed QEMU',
        },
      ),
    );
  }
  return out;
}

/** x86 guests that ask for KVM get it only when the probe booted a guest under KVM. */
export async function checkKvm(ctx: PreflightContext): Promise<Diagnostic[]> {
  const wanting = ctx.plan.vms.filter((vm) => vm.accel === 'kvm' && (vm.arch === 'x86_64' || vm.arch === 'i386'));
  if (wanting.length === 0) return [];
  const x86 = ctx.plan.target.tinyGuest.x86_64;
  const kvm = ctx.kvm ?? (await probeKvm({ kernel: x86?.kernel, initrd: x86?.initrd }));
  if (kvm.usable) return [];
  const names = wanting.map((v) => v.node);
  return [
    pdiag(
      'PREFLIGHT_KVM_UNUSABLE',
      `${names.join(', ')} ask${names.length === 1 ? 's' : ''} for KVM, which does not work here (${kvm.reason}): set accel to auto or tcg`,
      {
        nodes: names,
        fix: 'Set accel to auto (TCG here)',
      },
    ),
  ];
}
