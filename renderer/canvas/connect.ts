import { endpointExists, linkId, linkRule, PORT_RULES, resolveEndpoint } from '../../shared/model';
import type { Link, Topology } from '../../shared/model';
import { linkNodes } from '../doc/changes';
import { portOfHandle } from './TopoNode';

/** A wire the user drew: two node ids and their handles. */
export interface Wire {
  readonly source: string;
  readonly sourceHandle: string | null;
  readonly target: string;
  readonly targetHandle: string | null;
}

/** A link of the file whose other end names nothing in it (a node or port that is gone): it holds no port. */
const dangling = (doc: Topology, l: Link) => !endpointExists(doc.nodes, l.a) || !endpointExists(doc.nodes, l.b);

/**
 * The link a drawn wire makes, or why it is refused (the realization table's reason, said as-is). A port held only by
 * dangling links of the file is free: the new link re-attaches it, and `replaces` names those links to remove.
 */
export function linkFromWire(
  doc: Topology,
  wire: Wire,
): { ok: true; link: Link; replaces: string[] } | { ok: false; reason: string } {
  const a = doc.nodes.find((n) => n.id === wire.source);
  const b = doc.nodes.find((n) => n.id === wire.target);
  if (!a || !b) return { ok: false, reason: 'both ends must be nodes on the canvas' };
  if (a.id === b.id) return { ok: false, reason: `${a.id} cannot be linked to itself` };
  const rule = linkRule(a.kind, b.kind);
  if (!rule.ok) return { ok: false, reason: rule.reason };
  const end = (id: string, handle: string | null) => {
    const port = portOfHandle(handle);
    return port === undefined ? id : `${id}:${port}`;
  };
  const link: Link = {
    a: end(a.id, wire.sourceHandle),
    b: end(b.id, wire.targetHandle),
    transport: 'auto',
    family: 'unix',
  };
  for (const [node, endpoint] of [
    [a, link.a],
    [b, link.b],
  ] as const) {
    const rule = PORT_RULES[node.kind];
    if (rule.ports === 'required' && !endpoint.includes(':'))
      return { ok: false, reason: `link a ${rule.portNoun} of ${node.id}, not the node itself` };
    if (rule.maxLinks === null) continue;
    const uses = doc.links.filter(
      (l) =>
        !dangling(doc, l) &&
        (rule.ports === 'required' ? l.a === endpoint || l.b === endpoint : linkNodes(l).includes(node.id)),
    ).length;
    if (uses >= rule.maxLinks) {
      const what = rule.ports === 'required' ? `${rule.portNoun} ${endpoint}` : node.id;
      return {
        ok: false,
        reason: `${what} is already linked${rule.maxLinks > 1 ? ` ${rule.maxLinks} times` : ''}: remove that link first`,
      };
    }
  }
  const id = linkId(link);
  if (doc.links.some((l, i) => linkId(l, i) === id)) return { ok: false, reason: 'these two ports are already linked' };
  const ends = [link.a, link.b];
  const replaces = doc.links.flatMap((l, i) =>
    dangling(doc, l) && (ends.includes(l.a) || ends.includes(l.b)) ? [linkId(l, i)] : [],
  );
  return { ok: true, link, replaces };
}

/**
 * A loose end (`side` of link `id`, which names a node or port the document does not have) dropped on a node's
 * handle: the same link with that end moved there (its other fields kept), or why not, judged as a new wire from the
 * end that stays. `replaces` names other dangling links that held the new end.
 */
export function reattach(
  doc: Topology,
  id: string,
  side: 'a' | 'b',
  to: { node: string; handle: string | null },
): { ok: true; link: Link; replaces: string[] } | { ok: false; reason: string } {
  const old = doc.links.find((l, i) => linkId(l, i) === id);
  if (!old) return { ok: false, reason: `link ${id} is gone` };
  const kept = side === 'a' ? old.b : old.a;
  if (!endpointExists(doc.nodes, kept))
    return { ok: false, reason: `its other end "${kept}" names nothing either: delete the link and draw a new one` };
  const { node, port } = resolveEndpoint(kept);
  const rest = { ...doc, links: doc.links.filter((l) => l !== old) };
  const r = linkFromWire(rest, { source: node, sourceHandle: port ?? null, target: to.node, targetHandle: to.handle });
  if (!r.ok) return r;
  return { ok: true, link: { ...old, [side]: r.link.b }, replaces: r.replaces };
}
