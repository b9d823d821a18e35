import type { HostStep, Privilege } from './plan';
import type { Ctx } from './context';
import { diag } from './diagnostics';
import { linkTapStepIds } from './host';

const RANK: Record<Privilege, number> = { user: 0, helper: 1, root: 2 };

/**
 * Bridges VM NICs or hubs reach through qemu-bridge-helper (helper mode), or through taps made for them (root and
 * user modes), which the helper could make instead.
 */
function helperBridges(ctx: Ctx): string[] {
  const out = new Set(ctx.backendUse.get('bridge') ?? []);
  // In the lab's user namespace the user makes those taps: no helper needed.
  if (ctx.target.isolation === 'userns') return [...out].sort();
  for (const l of ctx.graph.links) {
    if (!ctx.linkTaps.has(l.id) || l.realization === 'uml-bridge') continue;
    out.add(l.a.node.kind === 'bridge' ? l.a.node.id : l.b.node.id);
  }
  return [...out].sort();
}

/**
 * The least privilege the lab needs, whatever mode it is compiled for: root for host steps (bridges, taps, uplinks,
 * namespaces, NAT rules) and raw-IP L2TPv3, helper for bridges VM NICs reach (qemu-bridge-helper can make their taps,
 * so root mode's taps for them do not count), user otherwise. More than the target allows is ROOT_REQUIRED, naming
 * what needs it, with the least mode that suffices as its fix.
 */
export function leastPrivilege(ctx: Ctx, steps: readonly HostStep[]): Privilege {
  const rootWhy: string[] = [];
  const rootNodes = new Set<string>();
  const byHelper = linkTapStepIds(ctx);
  const rootStep = steps.find((s) => s.needsRoot && !byHelper.has(s.id));
  if (rootStep) rootWhy.push(`host setup (${rootStep.description})`);
  for (const n of ctx.graph.nodes.values()) {
    if (!ctx.graph.nodeLinks.has(n.id)) continue;
    if (n.kind === 'l2tpv3' && !n.udp) {
      rootWhy.push(`raw-IP L2TPv3 ${n.id}`);
      rootNodes.add(n.id);
    }
    if (n.kind === 'tap' || (n.kind === 'bridge' && !n.external)) rootNodes.add(n.id);
  }
  const bridges = helperBridges(ctx);
  const needed: Privilege = rootWhy.length > 0 ? 'root' : bridges.length > 0 ? 'helper' : 'user';
  const allowed = ctx.target.privilege;
  if (RANK[needed] > RANK[allowed]) {
    const why = needed === 'root' ? rootWhy.join(', ') : `bridge ${bridges.join(', ')} through qemu-bridge-helper`;
    ctx.diagnostics.push(
      diag('ROOT_REQUIRED', `this lab needs ${needed} privilege but runs as ${allowed}: ${why}`, {
        nodes: (needed === 'root' ? [...rootNodes] : bridges).filter((x) => ctx.graph.nodes.has(x)).sort(),
        fix: {
          label: `Allow ${needed} privilege for this lab`,
          action: { kind: 'set-target', field: 'privilege', value: needed },
        },
      }),
    );
  }
  for (const id of [...(ctx.backendUse.get('bridge') ?? [])].sort()) {
    const br = ctx.bridgeNames.get(id) ?? id;
    ctx.diagnostics.push(
      diag(
        'HELPER_ACL',
        `${id}: qemu-bridge-helper attaches guests to ${br} only if /etc/qemu/bridge.conf has the line "allow ${br}"`,
        {
          nodes: [id],
          fix: { label: `Add "allow ${br}" to /etc/qemu/bridge.conf` },
        },
      ),
    );
  }
  return needed;
}
