import type { Ctx } from './context';
import { diag } from './diagnostics';
import { isShaped, netemFields, netemMissing } from './shaping';

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
        ctx.bridgeMode === 'helper' && (l.a.node.kind === 'bridge' || l.b.node.kind === 'bridge')
          ? 'its tap is made by qemu-bridge-helper, out of the lab’s reach (choose privilege root, or isolation userns)'
          : 'it is not realized as a tap (only a guest NIC linked to a bridge is)';
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
  }
}
