import type { HostInterface } from '../../shared/compiler';
import type { HostNode } from '../../shared/model';

/** The machine's discovered interfaces a host node does not list yet (what "Add" offers). */
export function discoveredToAdd(host: HostNode, discovered: readonly HostInterface[] | undefined): HostInterface[] {
  const listed = new Set(host.interfaces.map((i) => i.name));
  return (discovered ?? []).filter((d) => !listed.has(d.name));
}

/** A host node interface from a discovered one: its name, whether it is wireless, its addresses. */
export function interfaceOf(d: HostInterface): HostNode['interfaces'][number] {
  return { name: d.name, wireless: d.wireless, addresses: [...d.addresses] };
}
