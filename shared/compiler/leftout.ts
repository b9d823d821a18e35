import type { NodeKind } from '../model/schema';
import { kindLabel } from '../model/links';
import type { Ctx } from './context';
import { diag } from './diagnostics';

/** Node kinds that become a QEMU backend or a lab process only through their links. */
const BACKEND_KINDS: ReadonlySet<NodeKind> = new Set([
  'nat',
  'vde',
  'mcast',
  'l2tpv3',
  'vhost-user',
  'vdpa',
  'netdev',
  'testpmd',
  'hub',
]);

/**
 * A backend node linked to nothing becomes nothing: no netdev (QEMU would warn `netdev ID has no peer` for a
 * backend given without a NIC, as the guide's command lines do), no process. Say so rather than drop it silently.
 */
export function unlinkedBackends(ctx: Ctx): void {
  const nodes = [...ctx.graph.nodes.values()].filter(
    (n) => BACKEND_KINDS.has(n.kind) && !ctx.graph.nodeLinks.has(n.id),
  );
  for (const n of nodes.sort((x, y) => (x.id < y.id ? -1 : 1))) {
    ctx.diagnostics.push(
      diag(
        'BACKEND_UNLINKED',
        `${kindLabel(n.kind)} ${n.id} is linked to nothing, so the lab leaves it out (QEMU would say "netdev … has no peer")`,
        {
          nodes: [n.id],
          fix: { label: `Link ${n.id} to a VM's NIC, or delete it` },
        },
      ),
    );
  }
}
