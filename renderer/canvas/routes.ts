import type { NodeGeom, Rect, XY } from './geometry';

/**
 * Link routing, pure: each link is a cubic curve between two sides of its nodes. A named port (a VM's NIC, a host's
 * interface) attaches at its row on the left or the right; a node with one plain port takes links on any side, spread
 * along it so they do not stack. Of the side choices, the one with the shortest curve that passes through no node
 * wins, so links face their peer and do not run under their own node (or another) where a choice avoids it.
 */

export type Side = 'left' | 'right' | 'top' | 'bottom';

export interface LinkEnd {
  readonly node: string;
  readonly port?: string;
}

/** A link to route: its id, its two ends and the label it shows. */
export interface LinkSpec {
  readonly id: string;
  readonly a: LinkEnd;
  readonly b: LinkEnd;
  readonly label?: string;
}

/** Where a link's label sits (centre and size, flow units), and whether it is shown or waits for a hover. */
export interface LabelSpot {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly shown: boolean;
}

export interface Route {
  readonly id: string;
  readonly a: LinkEnd;
  readonly b: LinkEnd;
  readonly sides: readonly [Side, Side];
  readonly p0: XY;
  readonly c1: XY;
  readonly c2: XY;
  readonly p3: XY;
  /** The curve sampled at SAMPLES + 1 points (x0, y0, x1, y1, …), for hit tests and geometry checks. */
  readonly pts: Float64Array;
  /** Bounds of `pts`. */
  readonly box: Rect;
  readonly label?: LabelSpot;
}

export interface Routing {
  readonly routes: readonly Route[];
  readonly byId: ReadonlyMap<string, Route>;
  /** The side each linked named port shows its handle on, by node id then port id. */
  readonly portSides: ReadonlyMap<string, ReadonlyMap<string, Side>>;
}

export const SAMPLES = 16;
const SIDES: readonly Side[] = ['right', 'left', 'bottom', 'top'];
const NAMED_SIDES: readonly Side[] = ['right', 'left'];
const NORMAL: Record<Side, XY> = {
  left: { x: -1, y: 0 },
  right: { x: 1, y: 0 },
  top: { x: 0, y: -1 },
  bottom: { x: 0, y: 1 },
};
/** Costs in flow units added to a curve's length: through an end's own node, through another node, leaving away. */
const OWN_CROSS = 4000;
const OTHER_CROSS = 500;
const AWAY = 80;
/** Label metrics: 10px monospace text in a pill. */
export const LABEL_H = 14;
const LABEL_CHAR = 6.1;
const LABEL_PAD = 8;
const LABEL_T = [0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8];

/** A label's width for its text. */
export function labelWidth(text: string): number {
  return text.length * LABEL_CHAR + LABEL_PAD;
}

// ---------------------------------------------------------------- a grid of boxes, for "what is near this curve"

const CELL = 256;
const key = (cx: number, cy: number) => (cx + 32768) * 65536 + (cy + 32768);

/** Node boxes bucketed by 256-unit cells. */
export class BoxGrid {
  private readonly cells = new Map<number, number[]>();
  private readonly boxes: NodeGeom[] = [];
  private readonly seen: Int32Array;
  private stamp = 0;

  constructor(geoms: Iterable<NodeGeom>) {
    for (const g of geoms) {
      const i = this.boxes.push(g) - 1;
      for (let cx = Math.floor(g.x / CELL); cx <= Math.floor((g.x + g.w) / CELL); cx++)
        for (let cy = Math.floor(g.y / CELL); cy <= Math.floor((g.y + g.h) / CELL); cy++) {
          const k = key(cx, cy);
          const list = this.cells.get(k);
          if (list) list.push(i);
          else this.cells.set(k, [i]);
        }
    }
    this.seen = new Int32Array(this.boxes.length);
  }

  /** The boxes whose cells meet the rectangle, each once, into `out` (cleared first). */
  near(r: Rect, out: NodeGeom[]): NodeGeom[] {
    out.length = 0;
    const stamp = ++this.stamp;
    const x1 = Math.floor((r.x + r.w) / CELL);
    const y1 = Math.floor((r.y + r.h) / CELL);
    for (let cx = Math.floor(r.x / CELL); cx <= x1; cx++)
      for (let cy = Math.floor(r.y / CELL); cy <= y1; cy++) {
        const list = this.cells.get(key(cx, cy));
        if (!list) continue;
        for (const i of list) {
          if (this.seen[i] === stamp) continue;
          this.seen[i] = stamp;
          out.push(this.boxes[i]!);
        }
      }
    return out;
  }
}

// ---------------------------------------------------------------- curve geometry

function anchor(g: NodeGeom, port: string | undefined, side: Side, along = 0.5): XY {
  const row = port === undefined ? undefined : g.ports.find((p) => p.id === port);
  if (row) return { x: side === 'left' ? g.x : g.x + g.w, y: g.y + row.y };
  switch (side) {
    case 'left':
      return { x: g.x, y: g.y + g.h * along };
    case 'right':
      return { x: g.x + g.w, y: g.y + g.h * along };
    case 'top':
      return { x: g.x + g.w * along, y: g.y };
    case 'bottom':
      return { x: g.x + g.w * along, y: g.y + g.h };
  }
}

function controls(p0: XY, s0: Side, p3: XY, s3: Side): [XY, XY] {
  const d = Math.hypot(p3.x - p0.x, p3.y - p0.y);
  const k = Math.max(24, Math.min(160, d * 0.45));
  const n0 = NORMAL[s0];
  const n3 = NORMAL[s3];
  return [
    { x: p0.x + n0.x * k, y: p0.y + n0.y * k },
    { x: p3.x + n3.x * k, y: p3.y + n3.y * k },
  ];
}

/** The point at t of a cubic curve. */
export function bezierAt(p0: XY, c1: XY, c2: XY, p3: XY, t: number): XY {
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return { x: a * p0.x + b * c1.x + c * c2.x + d * p3.x, y: a * p0.y + b * c1.y + c * c2.y + d * p3.y };
}

function sample(p0: XY, c1: XY, c2: XY, p3: XY): Float64Array {
  const out = new Float64Array((SAMPLES + 1) * 2);
  for (let i = 0; i <= SAMPLES; i++) {
    const p = bezierAt(p0, c1, c2, p3, i / SAMPLES);
    out[2 * i] = p.x;
    out[2 * i + 1] = p.y;
  }
  return out;
}

function bounds(pts: Float64Array): Rect {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < pts.length; i += 2) {
    const x = pts[i]!;
    const y = pts[i + 1]!;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** Whether the segment (ax, ay)-(bx, by) passes through the inside of the rectangle (Liang-Barsky). */
export function segmentHitsRect(ax: number, ay: number, bx: number, by: number, r: Rect): boolean {
  const rx1 = r.x + r.w;
  const ry1 = r.y + r.h;
  if ((ax <= r.x && bx <= r.x) || (ax >= rx1 && bx >= rx1) || (ay <= r.y && by <= r.y) || (ay >= ry1 && by >= ry1))
    return false;
  const dx = bx - ax;
  const dy = by - ay;
  let t0 = 0;
  let t1 = 1;
  const ps = [-dx, dx, -dy, dy];
  const qs = [ax - r.x, rx1 - ax, ay - r.y, ry1 - ay];
  for (let i = 0; i < 4; i++) {
    const p = ps[i]!;
    const q = qs[i]!;
    if (p === 0) {
      if (q <= 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) {
      if (t > t1) return false;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return false;
      if (t < t1) t1 = t;
    }
  }
  return t1 - t0 > 1e-9;
}

/** Whether a sampled curve passes through the inside of a rectangle shrunk by `inset` on every side. */
export function curveHitsRect(pts: Float64Array, r: Rect, inset = 1): boolean {
  const s: Rect = { x: r.x + inset, y: r.y + inset, w: r.w - 2 * inset, h: r.h - 2 * inset };
  if (s.w <= 0 || s.h <= 0) return false;
  for (let i = 0; i + 3 < pts.length; i += 2)
    if (segmentHitsRect(pts[i]!, pts[i + 1]!, pts[i + 2]!, pts[i + 3]!, s)) return true;
  return false;
}

function polylineLength(pts: Float64Array): number {
  let len = 0;
  for (let i = 0; i + 3 < pts.length; i += 2) len += Math.hypot(pts[i + 2]! - pts[i]!, pts[i + 3]! - pts[i + 1]!);
  return len;
}

// ---------------------------------------------------------------- choosing sides

interface Choice {
  readonly sides: [Side, Side];
  readonly p0: XY;
  readonly p3: XY;
}

/** What routing may look at: every node's box, a grid of the boxes, and the nodes whose boxes moved since. */
export interface RouteWorld {
  readonly geoms: ReadonlyMap<string, NodeGeom>;
  readonly grid: BoxGrid;
  /** Boxes not in the grid where they now are (nodes being dragged), by id: checked one by one. */
  readonly moved?: ReadonlyMap<string, NodeGeom>;
}

const nearby: NodeGeom[] = [];
/** Curves whose bounds cover more than this (flow units squared, about 3x3 grid cells) are long links. */
const LONG = 9 * CELL * CELL;

function hits(pts: Float64Array, box: Rect, g: NodeGeom): boolean {
  if (g.x > box.x + box.w || g.x + g.w < box.x || g.y > box.y + box.h || g.y + g.h < box.y) return false;
  return curveHitsRect(pts, g);
}

/** What passing through nodes costs a curve; counting stops once it is over `limit` (it has lost by then). */
function crossings(pts: Float64Array, box: Rect, ga: NodeGeom, gb: NodeGeom, world: RouteWorld, limit: number): number {
  let cost = 0;
  if (curveHitsRect(pts, ga)) cost += OWN_CROSS;
  if (gb !== ga && curveHitsRect(pts, gb)) cost += OWN_CROSS;
  // A long link crosses the drawing whatever its sides: only its ends choose for it (and checking it against every
  // node it spans would cost more than everything else routing does).
  if (cost > limit || box.w * box.h > LONG) return cost;
  const moved = world.moved;
  for (const g of world.grid.near(box, nearby)) {
    if (g.id === ga.id || g.id === gb.id || moved?.has(g.id)) continue;
    if (hits(pts, box, g) && (cost += OTHER_CROSS) > limit) return cost;
  }
  // A drag of many nodes routes with the others' crossings unchecked: the full routing at the drop does it.
  if (moved && moved.size <= 24)
    for (const g of moved.values()) if (g.id !== ga.id && g.id !== gb.id && hits(pts, box, g)) cost += OTHER_CROSS;
  return cost;
}

function away(side: Side, from: XY, to: XY): number {
  const n = NORMAL[side];
  return n.x * (to.x - from.x) + n.y * (to.y - from.y) < 0 ? AWAY : 0;
}

function choose(ga: NodeGeom, pa: string | undefined, gb: NodeGeom, pb: string | undefined, world: RouteWorld): Choice {
  const namedA = pa !== undefined && ga.ports.some((p) => p.id === pa);
  const namedB = pb !== undefined && gb.ports.some((p) => p.id === pb);
  const candidates: { c: Choice; bound: number }[] = [];
  for (const sa of namedA ? NAMED_SIDES : SIDES)
    for (const sb of namedB ? NAMED_SIDES : SIDES) {
      const p0 = anchor(ga, pa, sa);
      const p3 = anchor(gb, pb, sb);
      const bound = Math.hypot(p3.x - p0.x, p3.y - p0.y) + away(sa, p0, p3) + away(sb, p3, p0);
      candidates.push({ c: { sides: [sa, sb], p0, p3 }, bound });
    }
  candidates.sort((x, y) => x.bound - y.bound);
  let best: Choice = candidates[0]!.c;
  let bestCost = Infinity;
  for (const { c, bound } of candidates) {
    // Every cost is at least its bound (a curve is no shorter than its chord): nothing later can win.
    if (bound >= bestCost) break;
    const [c1, c2] = controls(c.p0, c.sides[0], c.p3, c.sides[1]);
    const pts = sample(c.p0, c1, c2, c.p3);
    const base = polylineLength(pts) + away(c.sides[0], c.p0, c.p3) + away(c.sides[1], c.p3, c.p0);
    if (base >= bestCost) continue;
    const cost = base + crossings(pts, bounds(pts), ga, gb, world, bestCost - base);
    if (cost < bestCost) {
      bestCost = cost;
      best = c;
    }
  }
  return best;
}

function build(spec: LinkSpec, sides: readonly [Side, Side], p0: XY, p3: XY, label?: LabelSpot): Route {
  const [c1, c2] = controls(p0, sides[0], p3, sides[1]);
  const pts = sample(p0, c1, c2, p3);
  return {
    id: spec.id,
    a: spec.a,
    b: spec.b,
    sides,
    p0,
    c1,
    c2,
    p3,
    pts,
    box: bounds(pts),
    ...(label ? { label } : {}),
  };
}

/**
 * Spreads the plain ends that share a node's side along it, ordered by where their peers are, so links leave a
 * switch side by side instead of from one point.
 */
function spread(
  chosen: Map<string, { spec: LinkSpec; c: Choice }>,
  geoms: ReadonlyMap<string, NodeGeom>,
  keep?: (spec: LinkSpec, end: 0 | 1) => XY | undefined,
): void {
  const groups = new Map<string, { id: string; end: 0 | 1; peer: XY }[]>();
  for (const [id, { spec, c }] of chosen) {
    ([0, 1] as const).forEach((end) => {
      const e = end === 0 ? spec.a : spec.b;
      const g = geoms.get(e.node);
      if (!g || (e.port !== undefined && g.ports.some((p) => p.id === e.port))) return;
      const k = `${e.node}\u0000${c.sides[end]}`;
      const peer = end === 0 ? c.p3 : c.p0;
      const list = groups.get(k);
      if (list) list.push({ id, end, peer });
      else groups.set(k, [{ id, end, peer }]);
    });
  }
  for (const [k, list] of groups) {
    const [node, side] = k.split('\u0000') as [string, Side];
    const g = geoms.get(node)!;
    const vertical = side === 'left' || side === 'right';
    list.sort((p, q) => (vertical ? p.peer.y - q.peer.y : p.peer.x - q.peer.x));
    const length = vertical ? g.h : g.w;
    const step = list.length > 1 ? Math.min(16, (length - 12) / (list.length - 1)) : 0;
    list.forEach((item, i) => {
      const entry = chosen.get(item.id)!;
      const fixed = keep?.(entry.spec, item.end);
      const along = fixed ? undefined : 0.5 + ((i - (list.length - 1) / 2) * step) / length;
      const p = fixed ?? anchor(g, undefined, side, along);
      entry.c = item.end === 0 ? { ...entry.c, p0: p } : { ...entry.c, p3: p };
    });
  }
}

/** Places labels along their curves where they overlap no other label and no node; else they wait for a hover. */
function placeLabels(routes: Route[], specs: ReadonlyMap<string, LinkSpec>, world: RouteWorld): Route[] {
  const placed: Rect[] = [];
  const labelGrid = new Map<number, Rect[]>();
  const free = (r: Rect): boolean => {
    for (const g of world.grid.near(r, nearby))
      if (g.x < r.x + r.w && r.x < g.x + g.w && g.y < r.y + r.h && r.y < g.y + g.h) return false;
    for (let cx = Math.floor(r.x / CELL); cx <= Math.floor((r.x + r.w) / CELL); cx++)
      for (let cy = Math.floor(r.y / CELL); cy <= Math.floor((r.y + r.h) / CELL); cy++)
        for (const o of labelGrid.get(key(cx, cy)) ?? [])
          if (o.x < r.x + r.w && r.x < o.x + o.w && o.y < r.y + r.h && r.y < o.y + o.h) return false;
    return true;
  };
  const remember = (r: Rect) => {
    placed.push(r);
    for (let cx = Math.floor(r.x / CELL); cx <= Math.floor((r.x + r.w) / CELL); cx++)
      for (let cy = Math.floor(r.y / CELL); cy <= Math.floor((r.y + r.h) / CELL); cy++) {
        const k = key(cx, cy);
        const list = labelGrid.get(k);
        if (list) list.push(r);
        else labelGrid.set(k, [r]);
      }
  };
  return routes.map((route) => {
    const text = specs.get(route.id)?.label;
    if (!text) return route;
    const w = labelWidth(text);
    const h = LABEL_H;
    for (const t of LABEL_T) {
      const c = bezierAt(route.p0, route.c1, route.c2, route.p3, t);
      // Two units of air around a label, so neighbours never touch.
      const r = { x: c.x - w / 2 - 2, y: c.y - h / 2 - 2, w: w + 4, h: h + 4 };
      if (free(r)) {
        remember(r);
        return { ...route, label: { text, x: c.x, y: c.y, w, h, shown: true } };
      }
    }
    const c = bezierAt(route.p0, route.c1, route.c2, route.p3, 0.5);
    return { ...route, label: { text, x: c.x, y: c.y, w, h, shown: false } };
  });
}

function portSidesOf(routes: readonly Route[], geoms: ReadonlyMap<string, NodeGeom>): Map<string, Map<string, Side>> {
  const out = new Map<string, Map<string, Side>>();
  for (const r of routes)
    ([0, 1] as const).forEach((end) => {
      const e = end === 0 ? r.a : r.b;
      if (e.port === undefined || !geoms.get(e.node)?.ports.some((p) => p.id === e.port)) return;
      let m = out.get(e.node);
      if (!m) out.set(e.node, (m = new Map()));
      if (!m.has(e.port)) m.set(e.port, r.sides[end]);
    });
  return out;
}

/** Routes every link whose two nodes exist; labels placed; the handle side of each linked named port. */
export function routeAll(specs: readonly LinkSpec[], geoms: ReadonlyMap<string, NodeGeom>): Routing {
  const world: RouteWorld = { geoms, grid: new BoxGrid(geoms.values()) };
  const chosen = new Map<string, { spec: LinkSpec; c: Choice }>();
  for (const spec of specs) {
    const ga = geoms.get(spec.a.node);
    const gb = geoms.get(spec.b.node);
    if (!ga || !gb || chosen.has(spec.id)) continue;
    chosen.set(spec.id, { spec, c: choose(ga, spec.a.port, gb, spec.b.port, world) });
  }
  spread(chosen, geoms);
  const bare = [...chosen.values()].map(({ spec, c }) => build(spec, c.sides, c.p0, c.p3));
  const routes = placeLabels(bare, new Map(specs.map((s) => [s.id, s])), world);
  return { routes, byId: new Map(routes.map((r) => [r.id, r])), portSides: portSidesOf(routes, geoms) };
}

/**
 * Routes some links again while nodes are dragged (`world.moved` at their new places): ends on nodes that stay keep
 * the point they had in `before` when they keep its side, so only what moves moves. Labels follow their curve's
 * middle and are shown as they were.
 */
export function rerouteSome(
  specs: readonly LinkSpec[],
  world: RouteWorld,
  before: ReadonlyMap<string, Route>,
): Route[] {
  const moving = world.moved ?? new Map<string, NodeGeom>();
  const chosen = new Map<string, { spec: LinkSpec; c: Choice }>();
  for (const spec of specs) {
    const ga = world.geoms.get(spec.a.node);
    const gb = world.geoms.get(spec.b.node);
    if (!ga || !gb) continue;
    chosen.set(spec.id, { spec, c: choose(ga, spec.a.port, gb, spec.b.port, world) });
  }
  spread(chosen, world.geoms, (spec, end) => {
    const e = end === 0 ? spec.a : spec.b;
    if (moving.has(e.node)) return undefined;
    const old = before.get(spec.id);
    const side = chosen.get(spec.id)!.c.sides[end];
    return old && old.sides[end] === side ? (end === 0 ? old.p0 : old.p3) : undefined;
  });
  return [...chosen.values()].map(({ spec, c }) => {
    const old = before.get(spec.id)?.label;
    const route = build(spec, c.sides, c.p0, c.p3);
    if (!old) return route;
    const m = bezierAt(route.p0, route.c1, route.c2, route.p3, 0.5);
    return { ...route, label: { ...old, x: m.x, y: m.y } };
  });
}
