/**
 * The diagram as a picture: one scene of plain shapes built from the document and the canvas geometry, written
 * out as SVG text or drawn on a 2D canvas (for PNG), so both exports show the same thing. Pure but for `drawScene`.
 */

/** Where a node sits and how big it is on the canvas, with the vertical offset of each port's handle. */
export interface NodeBox {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Named ports (a VM's NICs) with the y of their row, from the node's top. Empty for a plain port. */
  readonly ports: readonly { readonly id: string; readonly y: number }[];
}

export interface EdgeLine {
  readonly a: { readonly node: string; readonly port?: string };
  readonly b: { readonly node: string; readonly port?: string };
  readonly label?: string;
  readonly error?: boolean;
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
}

export type Shape =
  | { readonly t: 'rect'; readonly x: number; readonly y: number; readonly w: number; readonly h: number; readonly r: number; readonly fill: string; readonly stroke?: string; readonly node?: string }
  | { readonly t: 'path'; readonly d: string; readonly stroke: string; readonly width: number }
  | { readonly t: 'circle'; readonly x: number; readonly y: number; readonly r: number; readonly fill: string; readonly stroke: string }
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
const SANS = 'system-ui, -apple-system, Segoe UI, Roboto, Ubuntu, sans-serif';
const MONO = 'ui-monospace, DejaVu Sans Mono, Menlo, Consolas, monospace';

function handlePoint(box: NodeBox, port: string | undefined): { x: number; y: number } {
  const row = port === undefined ? undefined : box.ports.find((p) => p.id === port);
  return { x: box.x + box.width, y: box.y + (row ? row.y : box.height / 2) };
}

/** The scene of a diagram: edges under nodes, labels over both, a margin around everything. */
export function diagramScene(boxes: readonly NodeBox[], edges: readonly EdgeLine[], c: DiagramColors): Scene {
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const xs = boxes.flatMap((b) => [b.x, b.x + b.width + 80]);
  const ys = boxes.flatMap((b) => [b.y, b.y + b.height]);
  const x = boxes.length ? Math.min(...xs) - PAD : 0;
  const y = boxes.length ? Math.min(...ys) - PAD : 0;
  const width = boxes.length ? Math.max(...xs) + PAD - x : 200;
  const height = boxes.length ? Math.max(...ys) + PAD - y : 100;
  const shapes: Shape[] = [];
  const labels: Shape[] = [];
  for (const e of edges) {
    const a = byId.get(e.a.node);
    const b = byId.get(e.b.node);
    if (!a || !b) continue;
    const p = handlePoint(a, e.a.port);
    const q = handlePoint(b, e.b.port);
    // Both handles face right (as on the canvas): the curve bows out to the right of both ends.
    const bow = Math.max(60, Math.abs(q.y - p.y) / 3);
    const c1 = { x: p.x + bow, y: p.y };
    const c2 = { x: q.x + bow, y: q.y };
    shapes.push({ t: 'path', d: `M${p.x},${p.y} C${c1.x},${c1.y} ${c2.x},${c2.y} ${q.x},${q.y}`, stroke: e.error ? c.error : c.muted, width: 1.5 });
    if (e.label) {
      const mx = (p.x + q.x) / 2;
      const my = (p.y + q.y) / 2;
      const w = e.label.length * 6.2 + 8;
      labels.push({ t: 'rect', x: mx - w / 2, y: my - 8, w, h: 16, r: 3, fill: c.panel });
      labels.push({ t: 'text', x: mx, y: my, text: e.label, size: 10, fill: c.text, mono: true, anchor: 'middle' });
    }
  }
  for (const box of boxes) {
    shapes.push({ t: 'rect', x: box.x, y: box.y, w: box.width, h: box.height, r: 8, fill: c.panel, stroke: c.border, node: box.id });
    shapes.push({ t: 'text', x: box.x + 12, y: box.y + 16, text: box.name, size: 13, fill: c.text, bold: true, anchor: 'start' });
    shapes.push({ t: 'text', x: box.x + 12, y: box.y + 32, text: box.kind, size: 11, fill: c.muted, anchor: 'start' });
    for (const port of box.ports) {
      shapes.push({ t: 'text', x: box.x + box.width - 14, y: box.y + port.y, text: port.id, size: 11, fill: c.text, mono: true, anchor: 'end' });
    }
    const handles = box.ports.length ? box.ports.map((p) => p.y) : [box.height / 2];
    for (const hy of handles) shapes.push({ t: 'circle', x: box.x + box.width, y: box.y + hy, r: 5, fill: c.accent, stroke: c.panel });
  }
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
      case 'rect':
        out.push(
          `<rect${s.node !== undefined ? ` data-node="${esc(s.node)}"` : ''} x="${n(s.x)}" y="${n(s.y)}" width="${n(s.w)}" height="${n(s.h)}" rx="${s.r}" fill="${esc(s.fill)}"${s.stroke ? ` stroke="${esc(s.stroke)}" stroke-width="1.5"` : ''}/>`,
        );
        break;
      case 'path':
        out.push(`<path d="${s.d}" fill="none" stroke="${esc(s.stroke)}" stroke-width="${s.width}"/>`);
        break;
      case 'circle':
        out.push(`<circle cx="${n(s.x)}" cy="${n(s.y)}" r="${s.r}" fill="${esc(s.fill)}" stroke="${esc(s.stroke)}" stroke-width="2"/>`);
        break;
      case 'text':
        out.push(
          `<text x="${n(s.x)}" y="${n(s.y)}" font-family="${s.mono ? MONO : SANS}" font-size="${s.size}"${s.bold ? ' font-weight="600"' : ''} fill="${esc(s.fill)}" text-anchor="${s.anchor}" dominant-baseline="central">${esc(s.text)}</text>`,
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
      ctx.fillStyle = s.fill;
      ctx.fill();
      if (s.stroke) {
        ctx.lineWidth = 1.5;
        ctx.strokeStyle = s.stroke;
        ctx.stroke();
      }
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
