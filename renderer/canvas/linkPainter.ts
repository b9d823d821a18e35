import type { XY } from './geometry';
import { SAMPLES, type Route } from './routes';

/**
 * Links drawn on a 2D canvas: one path per colour (a few stroke calls for hundreds of curves), labels as pills on
 * top, and hit tests against the sampled curves. Nothing here knows React or the document.
 */

/** React Flow's viewport: the flow is drawn at `zoom`, shifted by (x, y) screen pixels. */
export interface Viewport {
  readonly x: number;
  readonly y: number;
  readonly zoom: number;
}

export interface LinkColors {
  readonly link: string;
  readonly selected: string;
  readonly error: string;
  readonly labelBg: string;
  readonly labelBorder: string;
  readonly labelText: string;
  readonly capture?: string;
}

/** Which links are selected, in error, hovered; and, while the lab runs, set down (drawn dashed). */
export interface LinkMarks {
  readonly selected: ReadonlySet<string>;
  readonly errors: ReadonlySet<string>;
  readonly hovered: string | null;
  readonly down?: ReadonlySet<string>;
  /** Links being captured: drawn over in the capture colour. */
  readonly capturing?: ReadonlySet<string>;
}

/** Below this zoom labels are too small to read and are not drawn (a hover still shows one). */
export const LABEL_MIN_ZOOM = 0.45;
const FONT = "10px ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";

/** What one paint drew, for the test probe: links and labels in view, and every route of the scene painted. */
export interface PaintCount {
  links: number;
  labels: number;
  routes: number;
}

function visible(r: Route, x0: number, y0: number, x1: number, y1: number): boolean {
  const b = r.box;
  return b.x <= x1 && b.x + b.w >= x0 && b.y <= y1 && b.y + b.h >= y0;
}

/** Clears the canvas and sets the flow-to-device transform. */
export function beginPaint(ctx: CanvasRenderingContext2D, vp: Viewport, dpr: number): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.setTransform(dpr * vp.zoom, 0, 0, dpr * vp.zoom, dpr * vp.x, dpr * vp.y);
}

/**
 * Draws routes (those in `skip` left out) in the visible part of the flow; returns how many links and labels it
 * drew. The canvas is `size` CSS pixels.
 */
export function paintLinks(
  ctx: CanvasRenderingContext2D,
  routes: Iterable<Route>,
  vp: Viewport,
  size: { readonly w: number; readonly h: number },
  colors: LinkColors,
  marks: LinkMarks,
  skip?: ReadonlySet<string>,
): PaintCount {
  const z = vp.zoom;
  const x0 = -vp.x / z - 10;
  const y0 = -vp.y / z - 10;
  const x1 = x0 + size.w / z + 20;
  const y1 = y0 + size.h / z + 20;
  const plain: Route[] = [];
  const bad: Route[] = [];
  const picked: Route[] = [];
  let hovered: Route | undefined;
  for (const r of routes) {
    if (skip?.has(r.id) || !visible(r, x0, y0, x1, y1)) continue;
    if (r.id === marks.hovered) hovered = r;
    if (marks.selected.has(r.id)) picked.push(r);
    else if (marks.errors.has(r.id)) bad.push(r);
    else plain.push(r);
  }
  const width = Math.max(1.5, 0.8 / z);
  const stroke = (list: readonly Route[], color: string, w: number, dash: readonly number[] = []) => {
    if (!list.length) return;
    ctx.beginPath();
    for (const r of list) {
      ctx.moveTo(r.p0.x, r.p0.y);
      ctx.bezierCurveTo(r.c1.x, r.c1.y, r.c2.x, r.c2.y, r.p3.x, r.p3.y);
    }
    ctx.lineWidth = w;
    ctx.strokeStyle = color;
    ctx.setLineDash(dash);
    ctx.stroke();
    ctx.setLineDash([]);
  };
  // A link set down is a cut cable: dashed, in whatever colour its other marks give it.
  const down = marks.down;
  const split = (list: readonly Route[]) =>
    down?.size ? [list.filter((r) => !down.has(r.id)), list.filter((r) => down.has(r.id))] : [list, []];
  const dash = [6 * width, 4 * width];
  for (const [list, color, w] of [
    [plain, colors.link, width],
    [bad, colors.error, width],
    [picked, colors.selected, width * 1.6],
  ] as const) {
    const [whole, cut] = split(list);
    stroke(whole!, color, w);
    stroke(cut!, color, w, dash);
  }
  // A capture is a probe clipped on the cable: a wide dotted band of its own colour over the link.
  const tapped = marks.capturing?.size ? [...plain, ...bad, ...picked].filter((r) => marks.capturing!.has(r.id)) : [];
  stroke(tapped, colors.capture ?? '#0a8f5a', width * 2.6, [2 * width, 2 * width]);
  if (hovered)
    stroke(
      [hovered],
      marks.errors.has(hovered.id) ? colors.error : colors.selected,
      width * 2.2,
      down?.has(hovered.id) ? dash : [],
    );

  const count = plain.length + bad.length + picked.length;
  const labelled = [...plain, ...bad, ...picked].filter(
    (r) => r.label && (r.label.shown || r.id === marks.hovered || marks.selected.has(r.id)),
  );
  // A hovered link's label shows at any zoom (the way to read it when zoomed out or crowded).
  const readable = z >= LABEL_MIN_ZOOM ? labelled : labelled.filter((r) => r.id === marks.hovered);
  if (!readable.length) return { links: count, labels: 0, routes: 0 };
  ctx.beginPath();
  for (const r of readable) {
    const l = r.label!;
    ctx.roundRect(l.x - l.w / 2, l.y - l.h / 2, l.w, l.h, 3);
  }
  ctx.fillStyle = colors.labelBg;
  ctx.fill();
  ctx.lineWidth = Math.max(1, 0.6 / z);
  ctx.strokeStyle = colors.labelBorder;
  ctx.stroke();
  ctx.font = FONT;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = colors.labelText;
  for (const r of readable) ctx.fillText(r.label!.text, r.label!.x, r.label!.y + 0.5);
  return { links: count, labels: readable.length, routes: 0 };
}

function distToSegment(p: XY, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((p.x - ax) * dx + (p.y - ay) * dy) / len)) : 0;
  return Math.hypot(p.x - (ax + t * dx), p.y - (ay + t * dy));
}

/** The link under a flow point: a shown label's pill first, then the nearest curve within `tolerance`. */
export function hitLink(routes: Iterable<Route>, p: XY, tolerance: number, showLabels: boolean): string | null {
  let best: string | null = null;
  let bestD = tolerance;
  for (const r of routes) {
    const l = r.label;
    if (showLabels && l?.shown && Math.abs(p.x - l.x) <= l.w / 2 && Math.abs(p.y - l.y) <= l.h / 2) return r.id;
    const b = r.box;
    if (p.x < b.x - tolerance || p.x > b.x + b.w + tolerance || p.y < b.y - tolerance || p.y > b.y + b.h + tolerance)
      continue;
    const pts = r.pts;
    for (let i = 0; i < SAMPLES; i++) {
      const d = distToSegment(p, pts[2 * i]!, pts[2 * i + 1]!, pts[2 * i + 2]!, pts[2 * i + 3]!);
      if (d < bestD) {
        bestD = d;
        best = r.id;
      }
    }
  }
  return best;
}
