import type { Ctx } from './context';
import type { LinkInfo } from './graph';
import { otherEnd } from './graph';
import type { TopologyNode } from '../model/schema';
import { diag } from './diagnostics';
import { isHostNetworkType } from './nodebackend';

/** A hub placed inside one VM's process: its hub id there, its NIC links and its backend links. */
export interface HubPlan {
  readonly hub: string;
  readonly vm: string;
  /** QEMU `hubid`, small and per process. */
  readonly hubId: number;
  readonly nicLinks: readonly LinkInfo[];
  readonly backendLinks: readonly LinkInfo[];
}

/** Backends QEMU's hub check does not count as host network (net/hub.c). */
const NOT_HOST_NETWORK = new Set(['l2tpv3', 'vdpa']);

function hostNetwork(n: TopologyNode): boolean {
  return n.kind === 'netdev' ? isHostNetworkType(n.type) : !NOT_HOST_NETWORK.has(n.kind);
}
/** Backends that need a virtio-net NIC as their peer, so they cannot sit behind a hub. */
const VHOST_KINDS = new Set(['vhost-user', 'vdpa']);

/**
 * Place every hub in the process of the one VM whose NICs it joins and number hubs per process. A hub joining NICs of
 * several VMs is HUB_SPANS_VMS (it is placed in the first VM; the others' NICs stay unconnected); a hub with only
 * backends is left out (HUB_NO_NICS); one with no host-side backend gets the info QEMU's own warning would give.
 */
export function planHubs(ctx: Ctx): Map<string, HubPlan> {
  const plans = new Map<string, HubPlan>();
  const perVm = new Map<string, number>();
  const hubs = [...ctx.graph.nodes.values()].filter((n) => n.kind === 'hub').sort((x, y) => (x.id < y.id ? -1 : 1));
  for (const hub of hubs) {
    const links = ctx.graph.nodeLinks.get(hub.id) ?? [];
    if (links.length === 0) continue;
    const nicLinks = links.filter((l) => l.realization === 'vm-hub');
    const backendLinks: LinkInfo[] = [];
    for (const l of links) {
      if (l.realization !== 'hub-backend') continue;
      const other = otherEnd(l, hub.id).node;
      if (VHOST_KINDS.has(other.kind)) {
        ctx.diagnostics.push(
          diag(
            'HUB_VHOST_BACKEND',
            `${hub.id} is linked to ${other.kind} ${other.id}, which only a virtio-net NIC can drive, not a hub`,
            {
              nodes: [hub.id, other.id],
              links: [l.id],
              fix: {
                label: `Link ${other.id} straight to a VM's virtio NIC`,
                action: { kind: 'remove-link', link: l.id },
              },
            },
          ),
        );
      } else {
        if (other.kind === 'tap' && (other.vhost || other.queues > 1)) {
          ctx.diagnostics.push(
            diag(
              'HUB_TAP_OPTIONS',
              `${hub.id}: tap ${other.id} sits behind a hub, so its vhost and multiqueue settings are dropped (they need a virtio-net NIC as the tap's peer)`,
              {
                nodes: [hub.id, other.id],
                links: [l.id],
                fix: { label: `Link ${other.id} straight to a VM's virtio NIC` },
              },
            ),
          );
        }
        backendLinks.push(l);
      }
    }
    const vms = [...new Set(nicLinks.map((l) => otherEnd(l, hub.id).node.id))].sort();
    const host = vms[0];
    if (host === undefined) {
      if (backendLinks.length > 0) {
        ctx.diagnostics.push(
          diag(
            'HUB_NO_NICS',
            `${hub.id} joins no VM NIC, so it is left out: a hub lives inside the QEMU process of the VM whose NICs it joins`,
            {
              nodes: [hub.id],
              links: backendLinks.map((l) => l.id),
              fix: { label: `Link a NIC of a VM to ${hub.id}` },
            },
          ),
        );
      }
      continue;
    }
    if (vms.length > 1) {
      ctx.diagnostics.push(
        diag(
          'HUB_SPANS_VMS',
          `${hub.id} joins NICs of ${vms.join(', ')}: a QEMU hub lives inside one VM's process, so it cannot join several VMs`,
          {
            nodes: [hub.id, ...vms],
            links: nicLinks.map((l) => l.id),
            fix: {
              label: `Make ${hub.id} a VDE switch`,
              action: { kind: 'convert-node', node: hub.id, toKind: 'vde' },
            },
            alternatives: [
              {
                label: `Make ${hub.id} a multicast segment`,
                action: { kind: 'convert-node', node: hub.id, toKind: 'mcast' },
              },
            ],
          },
        ),
      );
    }
    const hubId = perVm.get(host) ?? 0;
    perVm.set(host, hubId + 1);
    const mine = nicLinks.filter((l) => otherEnd(l, hub.id).node.id === host);
    plans.set(hub.id, { hub: hub.id, vm: host, hubId, nicLinks: mine, backendLinks });
    if (!backendLinks.some((l) => hostNetwork(otherEnd(l, hub.id).node))) {
      ctx.diagnostics.push(
        diag(
          'HUB_NO_HOST_NETWORK',
          `${hub.id} (hub ${hubId} in ${host}) has no host-side backend: its NICs only reach each other, and QEMU says so at start`,
          {
            nodes: [hub.id, host],
            links: mine.map((l) => l.id),
            qemuWarning: { vm: host, text: `hub ${hubId} is not connected to host network` },
          },
        ),
      );
    }
  }
  return plans;
}
