import { CURRENT_VERSION, Topology } from '../shared/model';
import type { TopologyInput } from '../shared/model';

/**
 * A large, realistic topology: `vms` VMs with `nicsPerVm` NICs each, spread over `switches` switches of mixed
 * kinds (VDE, bridge, multicast, NAT), plus point-to-point links between neighbouring VMs for the last NIC.
 */
export function generateTopology(vms: number, nicsPerVm: number, switches: number): Topology {
  const kinds = ['vde', 'bridge', 'mcast', 'nat'] as const;
  const nodes: NonNullable<TopologyInput['nodes']> = [];
  const links: NonNullable<TopologyInput['links']> = [];
  const layout: Record<string, { x: number; y: number }> = {};
  for (let s = 0; s < switches; s++) {
    const kind = kinds[s % kinds.length]!;
    const id = `sw${s}`;
    if (kind === 'mcast') nodes.push({ id, kind, group: `230.0.${Math.floor(s / 250)}.${(s % 250) + 1}`, port: 1234 });
    else nodes.push({ id, kind });
    layout[id] = { x: (s % 30) * 260, y: Math.floor(s / 30) * 160 };
  }
  for (let v = 0; v < vms; v++) {
    const id = `vm${v}`;
    const nics = Array.from({ length: nicsPerVm }, (_, n) => ({ id: `eth${n}` }));
    nodes.push({ id, kind: 'vm', memory: 128, nics });
    layout[id] = { x: (v % 40) * 220, y: Math.ceil(switches / 30) * 160 + 200 + Math.floor(v / 40) * 140 };
    for (let n = 0; n < nicsPerVm - 1; n++) {
      links.push({ a: `${id}:eth${n}`, b: `sw${(v * (nicsPerVm - 1) + n) % Math.max(1, switches)}` });
    }
  }
  // Last NIC: pair VMs point to point (vm0-vm1, vm2-vm3, …).
  for (let v = 0; v + 1 < vms; v += 2) {
    links.push({ a: `vm${v}:eth${nicsPerVm - 1}`, b: `vm${v + 1}:eth${nicsPerVm - 1}` });
  }
  return Topology.parse({
    version: CURRENT_VERSION,
    name: `bench-${vms}x${nicsPerVm}-${switches}`,
    nodes,
    links,
    layout: { nodes: layout },
  });
}
