import type { Ctx } from './context';
import { diag } from './diagnostics';
import { otherEnd, type LinkInfo } from './graph';
import { ifbMissing, isShaped, netemFields, netemMissing } from './shaping';

/** Why a tap node's link to a bridge is not shaped: its tap is its other link's, which is where to shape. */
function tapBridgeWhy(ctx: Ctx, l: LinkInfo): string {
  const tap = l.a.node.kind === 'tap' ? l.a.node : l.b.node;
  const other = (ctx.graph.nodeLinks.get(tap.id) ?? []).find((x) => x !== l);
  const name = ctx.tapNodeNames.get(tap.id) ?? tap.id;
  return other
    ? `tap ${name} of tap node ${tap.id} also carries link ${other.id} to ${otherEnd(other, tap.id).node.id}: shape link ${other.id} instead`
    : `tap ${name} of tap node ${tap.id} is the host's end of bridge ${otherEnd(l, tap.id).node.id}: shape the links of the guests on it instead`;
}

/**
 * Why a link's shaping cannot be applied, said at compile time so no launch starts half shaped: it is not realized
 * as a tap the lab makes (tc shapes that tap), or it asks for netem on a kernel without sch_netem.
 */
export function shapingDiagnostics(ctx: Ctx): void {
  for (const l of ctx.graph.links) {
    const shaping = l.link.shaping;
    if (!isShaped(shaping)) continue;
    const index = ctx.topology.links.indexOf(l.link);
    const where = { links: [l.id], path: ['links', index, 'shaping'] };
    const remove = {
      label: `Remove the shaping of link ${l.id}`,
      action: { kind: 'set-field', node: l.id, on: 'link', path: ['shaping'], value: undefined },
    } as const;
    if (!ctx.shapeTaps.has(l.id)) {
      const why =
        l.realization === 'tap-bridge'
          ? tapBridgeWhy(ctx, l)
          : ctx.bridgeMode === 'helper' && (l.a.node.kind === 'bridge' || l.b.node.kind === 'bridge')
            ? 'its tap is made by qemu-bridge-helper, out of the lab’s reach (choose privilege root, or isolation userns)'
            : 'it is not realized as a tap (only a guest NIC linked to a bridge or to a tap node is)';
      ctx.diagnostics.push(
        diag('SHAPING_NOT_TAP', `link ${l.id}: shaping is unavailable: tc shapes the tap of a link, and ${why}`, {
          ...where,
          fix: remove,
        }),
      );
      continue;
    }
    const netem = netemFields(shaping);
    if (netem.length > 0 && ctx.target.netem === false)
      ctx.diagnostics.push(diag('NETEM_MISSING', netemMissing(l.id, netem), { ...where, fix: remove }));
    if (ctx.shapeTaps.get(l.id)?.ifb === undefined)
      ctx.diagnostics.push(diag('SHAPING_ONE_WAY', ifbMissing(l.id), where));
  }
}
