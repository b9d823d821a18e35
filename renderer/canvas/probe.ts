import type { MutableRefObject } from 'react';
import type { LinkView } from './linkView';
import { minimapDrawn } from './Minimap';
import { SAMPLES, type Side } from './routes';

/** One link as the canvas draws it: its curve sampled in flow units, its label's box and whether it is shown. */
export interface ProbeLink {
  readonly id: string;
  readonly a: { readonly node: string; readonly port?: string };
  readonly b: { readonly node: string; readonly port?: string };
  readonly sides: readonly [Side, Side];
  readonly points: readonly (readonly [number, number])[];
  readonly label?: {
    readonly text: string;
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
    readonly shown: boolean;
  };
}

/**
 * What the canvas drew, as data: the links are pixels on a canvas, so tests (and anyone debugging a drawing) read
 * their geometry here. `window.qnetCanvas` while a canvas is mounted.
 */
export interface CanvasProbe {
  links(): ProbeLink[];
  /** React Flow's viewport: screen = flow * zoom + (x, y), relative to the canvas element. */
  viewport(): { x: number; y: number; zoom: number };
  /** How many links and labels the last paint of the base layer drew (what is in view), of how many routes. */
  drawn(): { links: number; labels: number; routes: number };
  /** The link under the pointer (drawn highlighted, its label shown), if any. */
  hovered(): string | null;
  /** The links drawn as set down (dashed) while the lab runs. */
  down(): string[];
  /** The links drawn as being captured. */
  capturing(): string[];
  /** The links drawn red: an error of the plan names them. */
  errors(): string[];
  /** Whether the minimap is shown, and the node rectangles it drew (its own pixels). */
  minimap(): { shown: boolean; rects: { x: number; y: number; w: number; h: number }[] };
}

declare global {
  interface Window {
    qnetCanvas?: CanvasProbe;
  }
}

/** Publishes the probe for this canvas; returns the function that withdraws it. */
export function installProbe(view: MutableRefObject<LinkView | null>): () => void {
  const probe: CanvasProbe = {
    links: () =>
      (view.current?.routes() ?? []).map((r) => ({
        id: r.id,
        a: r.a,
        b: r.b,
        sides: r.sides,
        points: Array.from({ length: SAMPLES + 1 }, (_, i) => [r.pts[2 * i]!, r.pts[2 * i + 1]!] as const),
        ...(r.label
          ? {
              label: {
                text: r.label.text,
                x: r.label.x,
                y: r.label.y,
                width: r.label.w,
                height: r.label.h,
                shown: r.label.shown,
              },
            }
          : {}),
      })),
    viewport: () => ({ ...(view.current?.viewport ?? { x: 0, y: 0, zoom: 1 }) }),
    drawn: () => ({ ...(view.current?.drawn ?? { links: 0, labels: 0, routes: 0 }) }),
    down: () => [...(view.current?.currentMarks.down ?? [])].sort(),
    capturing: () => [...(view.current?.currentMarks.capturing ?? [])].sort(),
    errors: () => [...(view.current?.currentMarks.errors ?? [])].sort(),
    hovered: () => view.current?.hovered ?? null,
    minimap: () => ({ shown: minimapDrawn.shown, rects: minimapDrawn.rects.map((r) => ({ ...r })) }),
  };
  window.qnetCanvas = probe;
  return () => {
    if (window.qnetCanvas === probe) delete window.qnetCanvas;
  };
}
