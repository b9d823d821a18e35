import type { VmPlan } from './plan';
import type { Diagnostic } from '../diagnostics';
import { diag } from './diagnostics';
import { optHead, optValue } from '../qemuopts';

/** The ids one QEMU argv declares, by option (`-netdev`, `-device`, `-chardev`, `-object`, `-nic`). */
export function declaredIds(argv: readonly string[]): { option: string; id: string }[] {
  const out: { option: string; id: string }[] = [];
  for (let i = 1; i < argv.length - 1; i++) {
    const opt = argv[i] ?? '';
    if (opt === '-netdev' || opt === '-device' || opt === '-chardev' || opt === '-object' || opt === '-nic') {
      const id = optValue(argv[i + 1] ?? '', 'id');
      if (id !== undefined) out.push({ option: opt, id });
    }
  }
  return out;
}

/**
 * Guard against the compiler's own mistakes: every `-netdev` must be the peer of exactly one NIC or hubport, or QEMU
 * warns `netdev ID has no peer`. Returns a NETDEV_NO_PEER diagnostic for each one that is not.
 */
export function unpeeredNetdevs(vms: readonly Pick<VmPlan, 'node' | 'argv'>[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const vm of vms) {
    const declared: string[] = [];
    const used = new Set<string>();
    for (let i = 1; i < vm.argv.length - 1; i++) {
      const opt = vm.argv[i];
      const val = vm.argv[i + 1] ?? '';
      const hubport = opt === '-netdev' && optHead(val, 'type') === 'hubport';
      if (opt === '-netdev') {
        const id = optValue(val, 'id');
        // A hubport with netdev= is peered with that backend already.
        const peered = hubport && optValue(val, 'netdev') !== undefined;
        if (id !== undefined && !peered) declared.push(id);
      }
      if ((opt === '-device' || hubport) && val.includes('netdev=')) {
        const ref = optValue(val, 'netdev');
        if (ref !== undefined) used.add(ref);
      }
    }
    for (const id of declared) {
      if (used.has(id)) continue;
      out.push(
        diag('NETDEV_NO_PEER', `${vm.node}: netdev ${id} has no NIC or hubport attached`, {
          nodes: [vm.node],
          qemuWarning: { vm: vm.node, text: `netdev ${id} has no peer` },
        }),
      );
    }
  }
  return out;
}
