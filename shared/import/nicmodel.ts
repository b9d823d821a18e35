/**
 * Which NIC device a command line really gets: QEMU's `virtio-net` alias resolved per architecture, the `virtio`
 * model of `-nic`/`-net nic`, and a missing model resolved to the machine's default NIC (qemu-networking.md §2.4).
 */

/** The machine QEMU picks when a command line names none, per emulator architecture (null: QEMU requires one). */
export function qemuDefaultMachine(arch: string): string | null {
  if (arch === 'x86_64' || arch === 'i386') return 'pc';
  if (arch === 'riscv64' || arch === 'riscv32') return 'spike';
  if (arch === 'ppc64') return 'pseries';
  if (arch === 's390x') return 's390-ccw-virtio';
  return null;
}

/** The machine's default NIC model (what `-nic`/`-net nic` without `model=` creates), or null when unknown. */
function defaultNicModel(arch: string, machineType: string): string | null {
  const x86 = arch === 'x86_64' || arch === 'i386';
  if (x86 && (machineType === 'pc' || machineType.startsWith('pc-i440fx'))) return 'e1000';
  if (x86 && (machineType === 'q35' || machineType.startsWith('pc-q35'))) return 'e1000e';
  if (x86 && machineType === 'isapc') return 'ne2k_isa';
  if (machineType === 'virt' || machineType.startsWith('virt-'))
    return arch === 'aarch64' || arch === 'arm' || arch.startsWith('riscv') || arch === 'loongarch64'
      ? 'virtio-net-pci'
      : null;
  if (arch === 'ppc64' && machineType.startsWith('pseries')) return 'spapr-vlan';
  return null;
}

/**
 * The concrete NIC device of a frontend: `-device virtio-net` is virtio-net-pci (ccw on s390x, mmio on m68k);
 * an on-board `virtio` model is virtio-net-pci; an on-board NIC without a model is the machine's default.
 */
export function concreteNicModel(
  driver: string | undefined,
  onboard: boolean,
  arch: string,
  machineType: string,
): string | null {
  if (driver === undefined) return onboard ? defaultNicModel(arch, machineType) : null;
  if (driver === 'virtio-net' && !onboard)
    return arch === 's390x' ? 'virtio-net-ccw' : arch === 'm68k' ? 'virtio-net-device' : 'virtio-net-pci';
  if (driver === 'virtio' && onboard) return 'virtio-net-pci';
  return driver;
}
