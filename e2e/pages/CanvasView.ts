import { expect, type Locator, type Page } from '@playwright/test';
import type { ProbeLink } from '../../renderer/canvas/probe';

/** A box in flow units (the canvas's own coordinates). */
export interface FlowBox {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/**
 * The drawing as geometry: links from the canvas probe (they are painted, not DOM), node boxes from the rendered DOM,
 * both in flow units, so a spec can check what is on screen against what was routed.
 */
export class CanvasView {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('canvas');
  }

  links(): Promise<ProbeLink[]> {
    return this.page.evaluate(() => window.qnetCanvas?.links() ?? []);
  }

  viewport(): Promise<{ x: number; y: number; zoom: number }> {
    return this.page.evaluate(() => window.qnetCanvas!.viewport());
  }

  /** Polls until React Flow's viewport stops moving (the fit after an open animates). */
  async settled(): Promise<{ x: number; y: number; zoom: number }> {
    let last = '';
    await expect
      .poll(
        async () => {
          const now = JSON.stringify(await this.viewport());
          const same = now === last;
          last = now;
          return same;
        },
        { intervals: [150] },
      )
      .toBe(true);
    return JSON.parse(last) as { x: number; y: number; zoom: number };
  }

  /** Every node's rendered box (its React Flow element), in flow units, by node id (annotations left out). */
  async nodeBoxes(): Promise<Map<string, FlowBox>> {
    const vp = await this.viewport();
    const origin = (await this.root.boundingBox())!;
    const rects = await this.page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.react-flow__node[data-id]')]
        .filter((el) => !el.dataset.id!.startsWith('@'))
        .map((el) => {
          const r = el.getBoundingClientRect();
          return { id: el.dataset.id!, x: r.x, y: r.y, w: r.width, h: r.height };
        }),
    );
    return new Map(
      rects.map((r) => [
        r.id,
        {
          x: (r.x - origin.x - vp.x) / vp.zoom,
          y: (r.y - origin.y - vp.y) / vp.zoom,
          w: r.w / vp.zoom,
          h: r.h / vp.zoom,
        },
      ]),
    );
  }

  /** Centres of a node's rendered handles by handle id, in flow units. */
  async handleCentres(node: string): Promise<Map<string, { x: number; y: number }>> {
    const vp = await this.viewport();
    const origin = (await this.root.boundingBox())!;
    const list = await this.page.locator(`.react-flow__handle[data-nodeid="${node}"]`).evaluateAll((els) =>
      els.map((el) => {
        const r = el.getBoundingClientRect();
        return { id: (el as HTMLElement).dataset.handleid!, x: r.x + r.width / 2, y: r.y + r.height / 2 };
      }),
    );
    return new Map(
      list.map((h) => [h.id, { x: (h.x - origin.x - vp.x) / vp.zoom, y: (h.y - origin.y - vp.y) / vp.zoom }]),
    );
  }

  /** A flow point in page coordinates. */
  async toScreen(p: { x: number; y: number }): Promise<{ x: number; y: number }> {
    const vp = await this.viewport();
    const origin = (await this.root.boundingBox())!;
    return { x: origin.x + vp.x + p.x * vp.zoom, y: origin.y + vp.y + p.y * vp.zoom };
  }

  minimap(): Promise<{ shown: boolean; rects: { x: number; y: number; w: number; h: number }[] }> {
    return this.page.evaluate(() => window.qnetCanvas!.minimap());
  }

  hovered(): Promise<string | null> {
    return this.page.evaluate(() => window.qnetCanvas!.hovered());
  }

  drawn(): Promise<{ links: number; labels: number; routes: number }> {
    return this.page.evaluate(() => window.qnetCanvas!.drawn());
  }

  /** Every node's place (its element's left/top), by id. */
  positions(): Promise<Record<string, { x: number; y: number }>> {
    return this.page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll<HTMLElement>('.react-flow__node[data-id]')].map((el) => [
          el.dataset.id!,
          { x: parseFloat(el.style.left), y: parseFloat(el.style.top) },
        ]),
      ),
    );
  }
}

/** Whether segment (a, b) passes through the inside of a box (Liang-Barsky; written here, not the app's). */
export function segmentCrossesBox(a: readonly [number, number], b: readonly [number, number], r: FlowBox): boolean {
  let t0 = 0;
  let t1 = 1;
  const d = [b[0] - a[0], b[1] - a[1]];
  const checks: [number, number][] = [
    [-d[0]!, a[0] - r.x],
    [d[0]!, r.x + r.w - a[0]],
    [-d[1]!, a[1] - r.y],
    [d[1]!, r.y + r.h - a[1]],
  ];
  for (const [p, q] of checks) {
    if (p === 0) {
      if (q <= 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return t1 - t0 > 1e-6;
}

/** A box shrunk by `by` on every side. */
export function inset(r: FlowBox, by: number): FlowBox {
  return { x: r.x + by, y: r.y + by, w: r.w - 2 * by, h: r.h - 2 * by };
}

/** Whether two boxes overlap (touching does not count). */
export function boxesOverlap(a: FlowBox, b: FlowBox): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}
