/**
 * The diagram as a picture: one scene of plain shapes built from the canvas geometry, the link routes and the
 * annotations, written out as SVG text or drawn on a 2D canvas (for PNG), so both exports show what the canvas shows.
 * Pure but for `drawScene`.
 */
import type { Annotation } from '../../shared/model';
import { areaTint } from '../canvas/annotationColors';
import { annotationRect, BORDER, HEAD_H, NOTE_LINE, NOTE_PAD, noteLines, type NodeGeom } from '../canvas/geometry';
import type { LooseEnd } from '../canvas/looseEnds';
import type { Route, Side } from '../canvas/routes';

/** A node as the diagram draws it: its box, its name and kind, its port rows and the side each port faces. */
export interface NodeBox {
  readonly geom: NodeGeom;
  readonly name: string;
  readonly kind: string;
  readonly sides: ReadonlyMap<string, Side>;
  /** Addresses the running guest reported, by NIC id: shown instead of the NIC's hint, as the canvas does. */
  readonly reported?: Readonly<Record<string, string>>;
  /** Its console's loopback TCP port as the plan states it (`host:port`), shown after its kind. */
  readonly console?: string;
}

/** Colours of the current theme. */
export interface DiagramColors {
  readonly background: string;
  readonly panel: string;
  readonly border: string;
  readonly text: string;
  readonly muted: string;
  readonly accent: string;
  readonly error: string;
  readonly link: string;
  readonly note: string;
  readonly dark: boolean;
}

export type Shape =
  | {
      readonly t: 'rect';
      readonly x: number;
      readonly y: number;
      readonly w: number;
      readonly h: number;
      readonly r: number;
      readonly fill: string;
      readonly fillOpacity?: number;
      readonly stroke?: string;
      readonly strokeOpacity?: number;
      readonly node?: string;
      readonly annotation?: string;
      /** The link whose loose end this box is (drawn dashed). */
      readonly loose?: string;
    }
  | { readonly t: 'path'; readonly d: string; readonly stroke: string; readonly width: number; readonly link?: string }
  | {
      readonly t: 'circle';
      readonly x: number;
      readonly y: number;
      readonly r: number;
      readonly fill: string;
      readonly stroke: string;
    }
  | {
      readonly t: 'text';
      readonly x: number;
      readonly y: number;
      readonly text: string;
      readonly size: number;
      readonly fill: string;
      readonly bold?: boolean;
      readonly mono?: boolean;
      readonly anchor: 'start' | 'middle' | 'end';
    };

export interface Scene {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly background: string;
  readonly shapes: readonly Shape[];
}

const PAD = 40;
/** The dash of a loose end's border, as the canvas draws it. */
const LOOSE_DASH = [4, 3];
const SANS = 'system-ui, -apple-system, Segoe UI, Roboto, Ubuntu, sans-serif';
const MONO = 'ui-monospace, DejaVu Sans Mono, Menlo, Consolas, monospace';

function annotationShapes(a: Annotation, c: DiagramColors): Shape[] {
  const r = annotationRect(a);
  if (a.kind === 'area') {
    const tint = areaTint(a.color, c.dark);
    const out: Shape[] = [
      {
        t: 'rect',
        x: r.x,
        y: r.y,
        w: r.w,
        h: r.h,
        r: 10,
        fill: tint.color,
        fillOpacity: tint.fill,
        stroke: tint.color,
        strokeOpacity: tint.border,
        annotation: a.id,
      },
    ];
    if (a.label)
      out.push({
        t: 'text',
        x: r.x + 12,
        y: r.y + 16,
        text: a.label,
        size: 13,
        fill: c.text,
        bold: true,
        anchor: 'start',
      });
    return out;
  }
  const lines = noteLines(a.text, r.w);
  return [
    { t: 'rect', x: r.x, y: r.y, w: r.w, h: r.h, r: 6, fill: c.note, stroke: c.border, annotation: a.id },
    ...lines.map((line, i): Shape => ({
      t: 'text',
      x: r.x + NOTE_PAD,
      y: r.y + NOTE_PAD + i * NOTE_LINE + NOTE_LINE / 2,
      text: line,
      size: 13,
      fill: c.text,
      anchor: 'start',
    })),
  ];
}

/**
 * The scene of a diagram: areas under everything, then links, nodes (and the loose ends of dangling links, as the
 * canvas draws them), notes and link labels, with a margin.
 */
export function diagramScene(
  boxes: readonly NodeBox[],
  routes: readonly Route[],
  annotations: readonly Annotation[],
  errors: ReadonlySet<string>,
  c: DiagramColors,
  loose: readonly LooseEnd[] = [],
): Scene {
  const rects = [
    ...boxes.map((b) => ({ x: b.geom.x, y: b.geom.y, w: b.geom.w, h: b.geom.h })),
    ...loose.map((e) => ({ x: e.geom.x, y: e.geom.y, w: e.geom.w, h: e.geom.h })),
    ...annotations.map(annotationRect),
    ...routes.map((r) => r.box),
  ];
  const x = rects.length ? Math.min(...rects.map((r) => r.x)) - PAD : 0;
  const y = rects.length ? Math.min(...rects.map((r) => r.y)) - PAD : 0;
  const width = rects.length ? Math.max(...rects.map((r) => r.x + r.w)) + PAD - x : 200;
  const height = rects.length ? Math.max(...rects.map((r) => r.y + r.h)) + PAD - y : 100;
  const shapes: Shape[] = [];
  for (const a of annotations) if (a.kind === 'area') shapes.push(...annotationShapes(a, c));
  const labels: Shape[] = [];
  for (const r of routes) {
    const d = `M${r.p0.x},${r.p0.y} C${r.c1.x},${r.c1.y} ${r.c2.x},${r.c2.y} ${r.p3.x},${r.p3.y}`;
    shapes.push({ t: 'path', d, stroke: errors.has(r.id) ? c.error : c.link, width: 1.5, link: r.id });
    const l = r.label;
    if (l?.shown) {
      labels.push({
        t: 'rect',
        x: l.x - l.w / 2,
        y: l.y - l.h / 2,
        w: l.w,
        h: l.h,
        r: 3,
        fill: c.panel,
        stroke: c.border,
      });
      labels.push({ t: 'text', x: l.x, y: l.y, text: l.text, size: 10, fill: c.text, mono: true, anchor: 'middle' });
    }
  }
  for (const box of boxes) {
    const g = box.geom;
    shapes.push({ t: 'rect', x: g.x, y: g.y, w: g.w, h: g.h, r: 8, fill: c.panel, stroke: c.border, node: g.id });
    const head = g.y + BORDER + HEAD_H / 2;
    shapes.push({
      t: 'text',
      x: g.x + 12,
      y: head - 8,
      text: box.name,
      size: 13,
      fill: c.text,
      bold: true,
      anchor: 'start',
    });
    shapes.push({
      t: 'text',
      x: g.x + 12,
      y: head + 9,
      text: box.console ? `${box.kind} · console ${box.console}` : box.kind,
      size: 11,
      fill: c.muted,
      anchor: 'start',
    });
    for (const port of g.ports) {
      const py = g.y + port.y;
      shapes.push({
        t: 'text',
        x: g.x + 14,
        y: py,
        text: port.id,
        size: 11,
        fill: c.text,
        mono: true,
        anchor: 'start',
      });
      const detail = box.reported?.[port.id] ?? port.detail;
      if (detail)
        shapes.push({
          t: 'text',
          x: g.x + g.w - 14,
          y: py,
          text: detail,
          size: 11,
          fill: c.muted,
          mono: true,
          anchor: 'end',
        });
      const hx = box.sides.get(port.id) === 'left' ? g.x : g.x + g.w;
      shapes.push({ t: 'circle', x: hx, y: py, r: 5, fill: c.accent, stroke: c.panel });
    }
  }
  for (const e of loose) {
    const g = e.geom;
    shapes.push({
      t: 'rect',
      x: g.x,
      y: g.y,
      w: g.w,
      h: g.h,
      r: g.h / 2,
      fill: c.panel,
      stroke: c.error,
      loose: e.link,
    });
    shapes.push({
      t: 'text',
      x: g.x + g.w / 2,
      y: g.y + g.h / 2,
      text: e.endpoint,
      size: 11,
      fill: c.error,
      mono: true,
      anchor: 'middle',
    });
  }
  for (const a of annotations) if (a.kind === 'note') shapes.push(...annotationShapes(a, c));
  // Labels last, so a node never hides one.
  shapes.push(...labels);
  return { x, y, width, height, background: c.background, shapes };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const n = (v: number) => String(Math.round(v * 100) / 100);

/** The scene as a standalone SVG document. */
export function sceneToSvg(scene: Scene): string {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(scene.width)}" height="${n(scene.height)}" viewBox="${n(scene.x)} ${n(scene.y)} ${n(scene.width)} ${n(scene.height)}">`,
    `<rect x="${n(scene.x)}" y="${n(scene.y)}" width="${n(scene.width)}" height="${n(scene.height)}" fill="${esc(scene.background)}"/>`,
  ];
  for (const s of scene.shapes) {
    switch (s.t) {
      case 'rect': {
        const tag =
          s.node !== undefined
            ? ` data-node="${esc(s.node)}"`
            : s.annotation !== undefined
              ? ` data-annotation="${esc(s.annotation)}"`
              : s.loose !== undefined
                ? ` data-loose="${esc(s.loose)}"`
                : '';
        const fillOpacity = s.fillOpacity !== undefined ? ` fill-opacity="${s.fillOpacity}"` : '';
        const stroke = s.stroke
          ? ` stroke="${esc(s.stroke)}" stroke-width="1.5"${s.strokeOpacity !== undefined ? ` stroke-opacity="${s.strokeOpacity}"` : ''}${s.loose !== undefined ? ` stroke-dasharray="${LOOSE_DASH.join(' ')}"` : ''}`
          : '';
        out.push(
          `<rect${tag} x="${n(s.x)}" y="${n(s.y)}" width="${n(s.w)}" height="${n(s.h)}" rx="${s.r}" fill="${esc(s.fill)}"${fillOpacity}${stroke}/>`,
        );
        break;
      }
      case 'path':
        out.push(
          `<path${s.link !== undefined ? ` data-link="${esc(s.link)}"` : ''} d="${s.d}" fill="none" stroke="${esc(s.stroke)}" stroke-width="${s.width}"/>`,
        );
        break;
      case 'circle':
        out.push(
          `<circle cx="${n(s.x)}" cy="${n(s.y)}" r="${s.r}" fill="${esc(s.fill)}" stroke="${esc(s.stroke)}" stroke-width="2"/>`,
        );
        break;
      case 'text':
        out.push(
          `<text x="${n(s.x)}" y="${n(s.y)}" font-family="${s.mono ? MONO : SANS}" font-size="${s.size}"${s.bold ? ' font-weight="600"' : ''} fill="${esc(s.fill)}" text-anchor="${s.anchor}" dominant-baseline="central" xml:space="preserve">${esc(s.text)}</text>`,
        );
        break;
    }
  }
  out.push('</svg>', '');
  return out.join('\n');
}

/** Draws the scene on a 2D context at `scale` device pixels per canvas unit (the PNG export). */
export function drawScene(ctx: CanvasRenderingContext2D, scene: Scene, scale: number): void {
  ctx.save();
  ctx.scale(scale, scale);
  ctx.translate(-scene.x, -scene.y);
  ctx.fillStyle = scene.background;
  ctx.fillRect(scene.x, scene.y, scene.width, scene.height);
  for (const s of scene.shapes) {
    if (s.t === 'rect') {
      ctx.beginPath();
      ctx.roundRect(s.x, s.y, s.w, s.h, s.r);
      ctx.globalAlpha = s.fillOpacity ?? 1;
      ctx.fillStyle = s.fill;
      ctx.fill();
      if (s.stroke) {
        ctx.globalAlpha = s.strokeOpacity ?? 1;
        ctx.lineWidth = 1.5;
        ctx.strokeStyle = s.stroke;
        ctx.setLineDash(s.loose !== undefined ? LOOSE_DASH : []);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      ctx.globalAlpha = 1;
    } else if (s.t === 'path') {
      ctx.lineWidth = s.width;
      ctx.strokeStyle = s.stroke;
      ctx.stroke(new Path2D(s.d));
    } else if (s.t === 'circle') {
      ctx.beginPath();
      ctx.arc(s.x, s.y, s.r, 0, Math.PI * 2);
      ctx.fillStyle = s.fill;
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = s.stroke;
      ctx.stroke();
    } else {
      ctx.font = `${s.bold ? '600 ' : ''}${s.size}px ${s.mono ? MONO : SANS}`;
      ctx.fillStyle = s.fill;
      ctx.textAlign = s.anchor === 'middle' ? 'center' : s.anchor;
      ctx.textBaseline = 'middle';
      ctx.fillText(s.text, s.x, s.y);
    }
  }
  ctx.restore();
}
