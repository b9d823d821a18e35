import type { Arch, VmNode } from '../model/schema';
import type { Target } from './target';

/** What the compiler needs to know about a VM's machine: its type, its buses, its console. */
export interface MachineInfo {
  /** The `-machine` value as written (type plus any options). */
  readonly machine: string;
  /** The machine type alone (`q35`, `virt`, `microvm`). */
  readonly type: string;
  readonly hasPci: boolean;
  readonly hasVirtioMmio: boolean;
  /** The kernel console device: ttyS0, or ttyAMA0 on arm virt. */
  readonly console: string;
}

const ARM: ReadonlySet<Arch> = new Set(['aarch64', 'arm']);
const MMIO_ARCHES: ReadonlySet<Arch> = new Set(['aarch64', 'arm', 'riscv64']);

/** The default machine of an architecture: q35 on x86, pseries on ppc64, virt on arm and riscv. */
export function defaultMachine(arch: Arch): string {
  if (arch === 'ppc64') return 'pseries';
  return arch === 'x86_64' || arch === 'i386' ? 'q35' : 'virt';
}

/** The `<arch>/<machine type>` a VM runs on: the key of its NIC models in the target and the host probe. */
export function machinePair(vm: Pick<VmNode, 'arch' | 'machine'>): string {
  return `${vm.arch}/${machineType(vm.machine ?? defaultMachine(vm.arch))}`;
}

/** The machine pairs of a topology's VMs, in node order without repeats: what its NIC models are probed for. */
export function machinePairs(t: { readonly nodes: readonly { readonly kind: string }[] }): string[] {
  const out = new Set<string>();
  for (const n of t.nodes) if (n.kind === 'vm') out.add(machinePair(n as VmNode));
  return [...out];
}

/** The machine type of a `-machine` value (`q35` of `q35,accel=kvm`). */
function machineType(machine: string): string {
  return machine.split(',')[0] || machine;
}

/** The machine facts of a VM. */
export function machineInfo(vm: VmNode): MachineInfo {
  const machine = vm.machine ?? defaultMachine(vm.arch);
  const [type = machine, ...opts] = machine.split(',');
  const microvm = type === 'microvm';
  const virt = type === 'virt' || type.startsWith('virt-');
  // Arm's Versatile Express boards have virtio-mmio transports and no PCI (verified on 7.2: virtio-net-device
  // starts, virtio-net-pci is "No 'PCI' bus found").
  const vexpress = type.startsWith('vexpress-') && ARM.has(vm.arch);
  return {
    machine,
    type,
    hasPci: !vexpress && (!microvm || opts.includes('pcie=on')),
    hasVirtioMmio: microvm || vexpress || (virt && MMIO_ARCHES.has(vm.arch)),
    console: ARM.has(vm.arch) && virt ? 'ttyAMA0' : 'ttyS0',
  };
}

/** True for a model that means virtio-net (the `virtio` shorthand or a concrete virtio-net device). */
export function isVirtioModel(model: string): boolean {
  return model === 'virtio' || model.startsWith('virtio-net');
}

/**
 * The concrete `-device` type of a NIC model: `virtio` becomes virtio-net-device on virtio-mmio machines (arm and
 * riscv `virt`, microvm) and virtio-net-pci elsewhere; any other model is used as written.
 */
export function frontendModel(model: string, m: MachineInfo): string {
  if (model !== 'virtio') return model;
  return m.hasVirtioMmio ? 'virtio-net-device' : 'virtio-net-pci';
}

/** True for a concrete model that needs no PCI bus (virtio-mmio or an on-board NIC of a PCI-less board). */
export function isMmioModel(model: string): boolean {
  return model === 'virtio-net-device';
}

/** True when KVM on a host of `host`'s architecture can run a guest of `arch` (x86_64 runs i386 too). */
export function kvmRuns(arch: Arch, host: Arch): boolean {
  return arch === host || (host === 'x86_64' && arch === 'i386') || (host === 'aarch64' && arch === 'arm');
}

/**
 * The accelerator: `auto` is kvm when the target probed KVM usable and the guest is of the host's architecture,
 * else tcg; an explicit kvm for a guest of another architecture is tcg too (QEMU would refuse it).
 */
export function accelOf(vm: VmNode, target: Target): 'kvm' | 'tcg' | 'hvf' {
  const native = kvmRuns(vm.arch, target.hostArch ?? 'x86_64');
  if (vm.accel === 'auto') return target.kvm && native ? 'kvm' : 'tcg';
  if (vm.accel === 'kvm' && !native) return 'tcg';
  return vm.accel;
}

/** The `-cpu` value, or undefined to keep QEMU's default: aarch64 needs one (`max` under tcg, `host` under kvm). */
export function cpuOf(vm: VmNode, accel: 'kvm' | 'tcg' | 'hvf'): string | undefined {
  if (vm.cpu !== undefined) return vm.cpu;
  if (vm.arch === 'aarch64') return accel === 'tcg' ? 'max' : 'host';
  return undefined;
}
