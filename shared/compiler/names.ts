import type { BridgeNode, TapNode } from '../model/schema';
import type { Ctx } from './context';
import { IFNAME_MAX, utf8Bytes } from './derive';
import { diag } from './diagnostics';

function checkLength(ctx: Ctx, name: string, node: string, field: string): void {
  const bytes = utf8Bytes(name);
  if (bytes <= IFNAME_MAX) return;
  ctx.diagnostics.push(
    diag('IFNAME_TOO_LONG', `${node}: interface name "${name}" is ${bytes} bytes; Linux allows at most ${IFNAME_MAX}`, {
      nodes: [node],
      fix: {
        label: `Shorten the name of ${node} to at most ${IFNAME_MAX} bytes, or leave it empty to derive one`,
        action: { kind: 'set-field', node, path: [field], value: undefined },
      },
    }),
  );
}

/** The Linux name a bridge's user chose: its `ifname`, or its id for an external (host) bridge; else one is derived. */
function chosenBridgeName(b: BridgeNode): string | undefined {
  return b.ifname ?? (b.external ? b.id : undefined);
}

/**
 * Linux interface names of the lab: names the user chose (bridge and tap `ifname`, external bridges) first, then
 * derived ones for the other bridges (`qnb…`), tap nodes and the taps made for links to bridges (`qn…`).
 */
export function assignIfnames(ctx: Ctx): void {
  const { graph } = ctx;
  const bridges: BridgeNode[] = [];
  const taps: TapNode[] = [];
  for (const n of [...graph.nodes.values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))) {
    if (n.kind === 'bridge') bridges.push(n);
    else if (n.kind === 'tap') taps.push(n);
  }
  const owners = new Map<string, string>();
  const chosen = (node: string, name: string, field: string): void => {
    checkLength(ctx, name, node, field);
    const prev = owners.get(name);
    if (prev !== undefined) {
      ctx.diagnostics.push(
        diag(
          'DUPLICATE_IFNAME',
          `${node}: interface name "${name}" is also used by ${prev}; each bridge and tap needs its own name`,
          {
            nodes: [prev, node],
            fix: {
              label: `Let ${node} derive its own name`,
              action: { kind: 'set-field', node, path: [field], value: undefined },
            },
          },
        ),
      );
      return;
    }
    owners.set(name, node);
    ctx.ifnames.reserve(name);
  };
  for (const b of bridges) {
    const name = chosenBridgeName(b);
    if (name !== undefined) {
      chosen(b.id, name, 'ifname');
      ctx.bridgeNames.set(b.id, name);
    }
  }
  for (const t of taps) {
    if (t.ifname !== undefined) {
      chosen(t.id, t.ifname, 'ifname');
      ctx.tapNodeNames.set(t.id, t.ifname);
    }
  }
  for (const b of bridges)
    if (!ctx.bridgeNames.has(b.id)) ctx.bridgeNames.set(b.id, ctx.ifnames.derive('qnb', `bridge/${b.id}`));
  for (const t of taps)
    if (!ctx.tapNodeNames.has(t.id)) ctx.tapNodeNames.set(t.id, ctx.ifnames.derive('qn', `tap/${t.id}`));
  // A UML interface on a bridge opens a tap made for it, whatever the mode: qemu-bridge-helper serves QEMU only.
  for (const l of graph.links)
    if (l.realization === 'uml-bridge') ctx.linkTaps.set(l.id, ctx.ifnames.derive('qn', `link/${l.id}`));
  if (ctx.bridgeMode !== 'tap') return;
  for (const l of graph.links) {
    const bridgeSide = l.a.node.kind === 'bridge' ? l.a : l.b.node.kind === 'bridge' ? l.b : null;
    if (!bridgeSide) continue;
    if (l.realization === 'vm-bridge' || l.realization === 'hub-backend') {
      ctx.linkTaps.set(l.id, ctx.ifnames.derive('qn', `link/${l.id}`));
    }
  }
}

/**
 * The devices tc shapes each link on: the tap the lab makes for it (a link to a bridge) or the tap node it joins (a
 * VM's or a hub's link to a tap node: the lab makes that tap too), and an ifb named for it, which carries what the
 * guest sends (a tap's ingress has no queue of its own). A tap node's link to a bridge gets none: its tap is the
 * one its VM's link is shaped on.
 */
export function assignShapeTaps(ctx: Ctx): void {
  // A kernel without ifb (the probe said so) shapes a link toward its guest only.
  const ifb = (link: string) => (ctx.target.ifb === false ? {} : { ifb: ctx.ifnames.derive('qi', `ifb/${link}`) });
  for (const [link, tap] of ctx.linkTaps) ctx.shapeTaps.set(link, { tap, ...ifb(link) });
  for (const l of ctx.graph.links) {
    if (l.realization === 'tap-bridge') continue;
    const end = l.a.node.kind === 'tap' ? l.a : l.b.node.kind === 'tap' ? l.b : null;
    const tap = end ? ctx.tapNodeNames.get(end.node.id) : undefined;
    if (tap !== undefined) ctx.shapeTaps.set(l.id, { tap, ...ifb(l.id) });
  }
}
