/**
 * The isolation a lab gets when nobody names one: its own user namespace (no root, nothing on the host), unless the
 * topology reaches something only the host network has.
 */
import type { Topology } from '../model/schema';
import type { Isolation, Privilege } from './plan';

/** Netdev types that open a real host interface or the host's own network stack. */
const HOST_NETDEVS = new Set(['af-xdp', 'netmap', 'vmnet-host', 'vmnet-shared', 'vmnet-bridged']);

/**
 * What of `topology` needs the host network, as phrases ("bridge br0's uplink eth0"); empty when the lab can run in
 * a user namespace of its own.
 */
export function hostNetworkUses(topology: Topology): string[] {
  const nodeOf = (end: string) => end.split(':')[0] ?? end;
  const linked = new Set(topology.links.flatMap((l) => [nodeOf(l.a), nodeOf(l.b)]));
  const out: string[] = [];
  for (const n of topology.nodes) {
    if (!linked.has(n.id)) continue;
    if (n.kind === 'host') out.push(`host node ${n.id}'s interfaces`);
    else if (n.kind === 'bridge' && n.external) out.push(`the host bridge of ${n.id}`);
    else if (n.kind === 'l2tpv3' && !n.udp) out.push(`raw-IP L2TPv3 ${n.id}`);
    else if (n.kind === 'netdev' && HOST_NETDEVS.has(n.type)) out.push(`netdev ${n.id} (${n.type})`);
  }
  return out;
}

/**
 * The isolation of a launch that names none: userns when the lab needs nothing of the host network and no
 * qemu-bridge-helper was asked for, else host (as before: such a lab needs the helper or root anyway).
 */
export function defaultIsolation(topology: Topology, privilege?: Privilege): Isolation {
  return privilege !== 'helper' && hostNetworkUses(topology).length === 0 ? 'userns' : 'host';
}
