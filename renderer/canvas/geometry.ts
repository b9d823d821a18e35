import type { Annotation, Topology, TopologyNode } from '../../shared/model';

/**
 * Where things sit on the canvas, in flow units, computed from the document alone: link routing, the minimap, the
 * exports and new-node placement all read these, and the node component draws itself to the same numbers (the e2e
 * geometry check compares them with the rendered DOM), so no layout is measured to draw a link.
 */

export const NODE_W = 180;
export const BORDER = 1.5;
export const HEAD_H = 44;
export const ROW_H = 18;
/** The port list's top rule and bottom padding. */
const PORTS_RULE = 1;
const PORTS_PAD = 4;
/** A note's default width and its text metrics (13px text, 18px lines, 8px padding). */
export const NOTE_W = 200;
export const NOTE_LINE = 18;
export const NOTE_PAD = 8;
/** Average advance of a character of the note font, for wrapping estimates. */
export const NOTE_CHAR = 7;

export interface XY {
  readonly x: number;
  readonly y: number;
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** One row of a node with named ports: the port id, what the row shows beside it, and its centre from the top. */
export interface PortRow {
  readonly id: string;
  readonly detail: string;
  readonly y: number;
}

/** A node's box on the canvas and its port rows (empty for a node with one plain port). */
export interface NodeGeom extends Rect {
  readonly id: string;
  readonly kind: TopologyNode['kind'];
  readonly named: boolean;
  readonly ports: readonly PortRow[];
}

/** Whether links attach to named ports of this kind (a VM's NICs, a host's interfaces). */
export function hasNamedPorts(node: TopologyNode): boolean {
  return node.kind === 'vm' || node.kind === 'uml' || node.kind === 'host';
}

/** The rows a node shows: a VM's NICs with their address hint, a host's interfaces with their addresses. */
export function portRows(node: TopologyNode): { id: string; detail: string }[] {
  if (node.kind === 'vm' || node.kind === 'uml') return node.nics.map((n) => ({ id: n.id, detail: n.ip ?? '' }));
  if (node.kind === 'host')
    return node.interfaces.map((i) => ({ id: i.name, detail: i.addresses[0] ?? (i.wireless ? 'wireless' : '') }));
  return [];
}

/** The centre of port row `i`, from the node's top. */
export function rowCenter(i: number): number {
  return BORDER + HEAD_H + PORTS_RULE + i * ROW_H + ROW_H / 2;
}

/** A node's height: the head, and for named ports one row each (a VM without NICs shows one row saying so). */
export function nodeHeight(node: TopologyNode): number {
  if (!hasNamedPorts(node)) return HEAD_H + 2 * BORDER;
  const rows = Math.max(1, portRows(node).length);
  return 2 * BORDER + HEAD_H + PORTS_RULE + rows * ROW_H + PORTS_PAD;
}

/** Where a node without a saved position is drawn (the i-th node of the document). */
export function defaultPosition(i: number): XY {
  return { x: 40 + (i % 6) * 220, y: 40 + Math.floor(i / 6) * 140 };
}

const geomCache = new WeakMap<TopologyNode, { at: XY; geom: NodeGeom }>();

/** A node's box at a position (cached per node object and position, so a drag rebuilds only what moved). */
export function nodeGeom(node: TopologyNode, at: XY): NodeGeom {
  const hit = geomCache.get(node);
  if (hit && hit.at.x === at.x && hit.at.y === at.y) return hit.geom;
  const rows = hasNamedPorts(node) ? portRows(node) : [];
  const geom: NodeGeom = {
    id: node.id,
    kind: node.kind,
    named: hasNamedPorts(node),
    x: at.x,
    y: at.y,
    w: NODE_W,
    h: nodeHeight(node),
    ports: rows.map((r, i) => ({ ...r, y: rowCenter(i) })),
  };
  geomCache.set(node, { at, geom });
  return geom;
}

/** Every node's box, by id, in document order. */
export function nodeGeoms(doc: Topology): Map<string, NodeGeom> {
  const out = new Map<string, NodeGeom>();
  doc.nodes.forEach((n, i) => out.set(n.id, nodeGeom(n, doc.layout.nodes[n.id] ?? defaultPosition(i))));
  return out;
}

/** A note's lines once wrapped to its width (estimated from an average character width). */
export function noteLines(text: string, width: number): string[] {
  const per = Math.max(4, Math.floor((width - 2 * NOTE_PAD) / NOTE_CHAR));
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      const next = line ? `${line} ${word}` : word;
      if (next.length <= per || !line) line = next;
      else {
        out.push(line);
        line = word;
      }
      while (line.length > per) {
        out.push(line.slice(0, per));
        line = line.slice(per);
      }
    }
    out.push(line);
  }
  return out;
}

/** An annotation's box: an area's own, a note's from its width and wrapped text. */
export function annotationRect(a: Annotation): Rect {
  if (a.kind === 'area') return { x: a.x, y: a.y, w: a.width, h: a.height };
  const w = a.width ?? NOTE_W;
  return { x: a.x, y: a.y, w, h: noteLines(a.text, w).length * NOTE_LINE + 2 * NOTE_PAD };
}

/** Whether two rectangles overlap (touching edges do not). */
export function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}
