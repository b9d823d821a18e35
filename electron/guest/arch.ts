import type { Arch } from '../../shared/model';

/** What the tiny guest needs to know about one architecture. */
export interface GuestArchInfo {
  /** Debian's name for the architecture (dpkg, apt). */
  readonly debArch: string;
  /** The meta-package whose dependency is the current kernel image package. */
  readonly kernelMeta: string;
  /** The serial console the compiler names in `console=`. */
  readonly console: string;
  /** Modules beyond the NIC drivers: the power button, so `system_powerdown` reaches the guest. */
  readonly extraModules: readonly string[];
}

export const GUEST_ARCHES = {
  x86_64: { debArch: 'amd64', kernelMeta: 'linux-image-amd64', console: 'ttyS0', extraModules: ['button'] },
  aarch64: { debArch: 'arm64', kernelMeta: 'linux-image-arm64', console: 'ttyAMA0', extraModules: ['gpio_keys'] },
} as const satisfies Record<string, GuestArchInfo>;

export type GuestArch = keyof typeof GUEST_ARCHES & Arch;

/** True when the tiny guest can be built for this architecture. */
export function isGuestArch(arch: string): arch is GuestArch {
  return Object.hasOwn(GUEST_ARCHES, arch);
}

/** The guest architecture matching Node's `process.arch`, if the tiny guest supports it. */
export function hostGuestArch(nodeArch: string = process.arch): GuestArch | undefined {
  if (nodeArch === 'x64') return 'x86_64';
  if (nodeArch === 'arm64') return 'aarch64';
  return undefined;
}

/**
 * NIC drivers of the models QEMU offers (virtio, e1000, e1000e, eepro100, rtl8139, pcnet, ne2k_pci, vmxnet3,
 * tulip, igb) plus their transports; evdev lets acpid see the power button; virtio_blk gives a VM's disks
 * (`-drive if=virtio`) as /dev/vd*. Those a kernel lacks are skipped.
 */
export const NIC_MODULES = [
  'virtio_pci',
  'virtio_mmio',
  'virtio_net',
  'e1000',
  'e1000e',
  'e100',
  '8139cp',
  '8139too',
  'pcnet32',
  'ne2k_pci',
  'vmxnet3',
  'tulip',
  'igb',
  'evdev',
  'virtio_blk',
] as const;

/** Without these the guest has no network: the build fails if the kernel has them neither built in nor as modules. */
export const REQUIRED_MODULES = ['virtio_net'] as const;
