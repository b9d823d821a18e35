/**
 * What in a topology runs host programs or reads host files. A file from elsewhere is code: nothing it names may
 * run before the user launches it, and a launch of a file with such items needs the user's approval.
 */
import type { Arch, VmNode } from './schema';

/** The QEMU system emulator of an arch as installed (looked up on PATH): what probes run, whatever a file says. */
export function standardQemu(arch: Arch): string {
  return `qemu-system-${arch}`;
}

/** True when a VM runs the installed QEMU of its arch (no `binary`, or exactly that name). */
export function usesStandardQemu(vm: Pick<VmNode, 'arch' | 'binary'>): boolean {
  return vm.binary === undefined || vm.binary === standardQemu(vm.arch);
}
