import { endpointExists, kindLabel, linkId, PORT_RULES, resolveEndpoint } from '../../shared/model';
import type { Link, Topology } from '../../shared/model';
import type { NodeGeom } from './geometry';

/**
 * A loose end: one end of a link of the file that names a node or port the document does not have. The canvas draws
 * it as a small red box of its own beside the end that exists, so the link is seen, selected, deleted, or its loose
 * end dragged onto a node or port to reattach it. Nothing changes in the document until the user does one of these.
 */
export interface LooseEnd {
  /** The React Flow node id of the box: `?<link id>:<side>` (no node id starts with `?`). */
  readonly flowId: string;
  readonly link: string;
  readonly side: 'a' | 'b';
  /** The endpoint as the file writes it. */
  readonly endpoint: string;
  /** Why it is loose, in the words of Problems. */
  readonly reason: string;
  readonly geom: NodeGeom;
}

/** The prefix of a loose end's flow id. */
export const LOOSE_PREFIX = '?';
export const LOOSE_W = 150;
export const LOOSE_H = 26;
/** How far right of the node that holds the link, and how far apart the boxes beside one node are. */
const GAP_X = 90;
const STEP_Y = 36;

function reasonOf(doc: Topology, endpoint: string): string {
  const { node, port } = resolveEndpoint(endpoint);
  const n = doc.nodes.find((x) => x.id === node);
  if (!n) return `node "${node}" does not exist`;
  return `${kindLabel(n.kind)} "${node}" has no ${PORT_RULES[n.kind].portNoun ?? 'port'} "${port ?? ''}"`;
}

/**
 * The loose ends of a document, each placed right of the node its link still holds (stacked when several), or right
 * of the drawing when neither end exists.
 */
export function looseEnds(doc: Topology, geoms: ReadonlyMap<string, NodeGeom>): LooseEnd[] {
  const out: LooseEnd[] = [];
  const beside = new Map<string, number>();
  let right = 0;
  for (const g of geoms.values()) right = Math.max(right, g.x + g.w);
  let orphans = 0;
  doc.links.forEach((l: Link, i) => {
    const id = linkId(l, i);
    for (const side of ['a', 'b'] as const) {
      const endpoint = l[side];
      if (endpointExists(doc.nodes, endpoint)) continue;
      const held = geoms.get(resolveEndpoint(l[side === 'a' ? 'b' : 'a']).node);
      let x: number, y: number;
      if (held && endpointExists(doc.nodes, l[side === 'a' ? 'b' : 'a'])) {
        const k = beside.get(held.id) ?? 0;
        beside.set(held.id, k + 1);
        x = held.x + held.w + GAP_X;
        y = held.y + k * STEP_Y;
      } else {
        x = right + GAP_X;
        y = orphans++ * STEP_Y;
      }
      const flowId = `${LOOSE_PREFIX}${id}:${side}`;
      out.push({
        flowId,
        link: id,
        side,
        endpoint,
        reason: reasonOf(doc, endpoint),
        geom: { id: flowId, kind: 'hub', named: false, x, y, w: LOOSE_W, h: LOOSE_H, ports: [] },
      });
    }
  });
  return out;
}

/** The link and side a loose end's flow id stands for, or null for any other node id. */
export function looseOf(flowId: string): { link: string; side: 'a' | 'b' } | null {
  const m = /^\?(.+):([ab])$/.exec(flowId);
  return m ? { link: m[1]!, side: m[2] as 'a' | 'b' } : null;
}
