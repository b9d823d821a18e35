import type { HostStep, Privilege } from './plan';
import type { Ctx } from './context';
import { diag } from './diagnostics';

const RANK: Record<Privilege, number> = { user: 0, helper: 1, root: 2 };

/**
 * The least privilege the lab needs: root for host steps (bridges, taps, namespaces, NAT rules) and raw-IP L2TPv3,
 * helper for bridges reached through qemu-bridge-helper, user otherwise. More than the target allows is
 * ROOT_REQUIRED, naming what needs it.
 */
export function leastPrivilege(ctx: Ctx, steps: readonly HostStep[]): Privilege {
  const rootWhy: string[] = [];
  const rootNodes = new Set<string>();
  if (steps.some((s) => s.needsRoot)) rootWhy.push(`host setup (${steps.find((s) => s.needsRoot)?.description})`);
  for (const n of ctx.graph.nodes.values()) {
    if (n.kind === 'l2tpv3' && !n.udp && ctx.graph.nodeLinks.has(n.id)) {
      rootWhy.push(`raw-IP L2TPv3 ${n.id}`);
      rootNodes.add(n.id);
    }
  }
  for (const n of ctx.graph.nodes.values()) {
    if (!ctx.graph.nodeLinks.has(n.id)) continue;
    if (n.kind === 'tap' || (n.kind === 'bridge' && (!n.external || ctx.bridgeMode === 'tap'))) rootNodes.add(n.id);
  }
  const helperBridges = ctx.backendUse.get('bridge');
  const needed: Privilege = rootWhy.length > 0 ? 'root' : helperBridges && helperBridges.size > 0 ? 'helper' : 'user';
  const allowed = ctx.target.privilege;
  if (RANK[needed] > RANK[allowed]) {
    const why = needed === 'root' ? rootWhy.join(', ') : `bridge ${[...(helperBridges ?? [])].sort().join(', ')} through qemu-bridge-helper`;
    ctx.diagnostics.push(
      diag('ROOT_REQUIRED', `this lab needs ${needed} privilege but runs as ${allowed}: ${why}`, {
        nodes: [...rootNodes, ...(needed === 'helper' ? [...(helperBridges ?? [])] : [])].filter((x) => ctx.graph.nodes.has(x)).sort(),
        fix: { label: `Allow ${needed} privilege for this lab`, action: { kind: 'set-target', field: 'privilege', value: needed } },
      }),
    );
  }
  if (helperBridges && helperBridges.size > 0) {
    for (const id of [...helperBridges].sort()) {
      const br = ctx.bridgeNames.get(id) ?? id;
      ctx.diagnostics.push(
        diag('HELPER_ACL', `${id}: qemu-bridge-helper attaches guests to ${br} only if /etc/qemu/bridge.conf has the line "allow ${br}"`, {
          nodes: [id],
          fix: { label: `Add "allow ${br}" to /etc/qemu/bridge.conf` },
        }),
      );
    }
  }
  return needed;
}
