import { useReactFlow, useStoreApi } from '@xyflow/react';
import { useEffect, useRef, useState, type MutableRefObject, type PointerEvent as ReactPointerEvent } from 'react';
import { editor, useEditor } from '../store/editor';
import { useEffectiveTheme } from '../store/theme';
import type { Rect } from './geometry';
import type { LinkView } from './linkView';

/** The smallest canvas the minimap is shown on: below it the drawing needs every pixel. */
export const MINIMAP_MIN = { w: 560, h: 380 };

/** The minimap's size for a canvas of this size (a sixth of its width, within bounds), or null when hidden. */
export function minimapSize(w: number, h: number): { w: number; h: number } | null {
  if (w < MINIMAP_MIN.w || h < MINIMAP_MIN.h) return null;
  const mw = Math.round(Math.max(120, Math.min(220, w / 6)));
  return { w: mw, h: Math.round(mw * 0.68) };
}

/** How flow coordinates map into the minimap: everything drawn and the view, fitted with a margin. */
export function minimapFrame(boxes: readonly Rect[], view: Rect, w: number, h: number) {
  let x0 = view.x;
  let y0 = view.y;
  let x1 = view.x + view.w;
  let y1 = view.y + view.h;
  for (const b of boxes) {
    x0 = Math.min(x0, b.x);
    y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.w);
    y1 = Math.max(y1, b.y + b.h);
  }
  const pad = 6;
  const scale = Math.min((w - 2 * pad) / Math.max(1, x1 - x0), (h - 2 * pad) / Math.max(1, y1 - y0));
  const ox = pad + (w - 2 * pad - (x1 - x0) * scale) / 2 - x0 * scale;
  const oy = pad + (h - 2 * pad - (y1 - y0) * scale) / 2 - y0 * scale;
  return { scale, ox, oy };
}

/** What the minimap drew last (node rectangles in its own pixels), for the test probe. */
export const minimapDrawn: { shown: boolean; rects: Rect[] } = { shown: false, rects: [] };

const STORAGE_KEY = 'qnet.minimap';

/** Whether the user wants the minimap (remembered); it still hides itself on a small canvas. */
export function useMinimapPref(): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(() => localStorage.getItem(STORAGE_KEY) !== 'off');
  return [
    on,
    (next) => {
      localStorage.setItem(STORAGE_KEY, next ? 'on' : 'off');
      setOn(next);
    },
  ];
}

/**
 * The minimap: every node as a rectangle (drawn from the geometry, so it is complete as soon as a file opens and
 * follows a drag), the view as a frame. Press or drag in it to move the view there; the wheel zooms.
 */
export function Minimap({ view, size }: { view: MutableRefObject<LinkView | null>; size: { w: number; h: number } }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const store = useStoreApi();
  const flow = useReactFlow();
  const theme = useEffectiveTheme();
  const selection = useEditor((s) => s.selection.nodes);
  const frame = useRef<ReturnType<typeof minimapFrame> | null>(null);

  useEffect(() => {
    const canvas = ref.current!;
    const ctx = canvas.getContext('2d')!;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = size.w * dpr;
    canvas.height = size.h * dpr;
    let raf = 0;
    // Read once per theme (in the first frame, after the theme's attribute is set), not per frame of a drag.
    let colors: { node: string; accent: string } | null = null;
    const draw = () => {
      raf = 0;
      const v = view.current;
      const { transform, width, height } = store.getState();
      const [tx, ty, zoom] = transform;
      const viewRect = { x: -tx / zoom, y: -ty / zoom, w: width / zoom, h: height / zoom };
      const geoms = v ? [...v.geoms().values()] : [];
      const f = minimapFrame(geoms, viewRect, size.w, size.h);
      frame.current = f;
      if (!colors) {
        const css = getComputedStyle(document.documentElement);
        const color = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
        colors = { node: color('--muted', '#667085'), accent: color('--accent', '#2563eb') };
      }
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, size.w, size.h);
      const selected = new Set(editor.getState().selection.nodes);
      const rects: Rect[] = [];
      const plain = new Path2D();
      const picked = new Path2D();
      for (const g of geoms) {
        const r = {
          x: g.x * f.scale + f.ox,
          y: g.y * f.scale + f.oy,
          w: Math.max(1.5, g.w * f.scale),
          h: Math.max(1.5, g.h * f.scale),
        };
        rects.push(r);
        (selected.has(g.id) ? picked : plain).rect(r.x, r.y, r.w, r.h);
      }
      ctx.fillStyle = colors.node;
      ctx.fill(plain);
      ctx.fillStyle = colors.accent;
      ctx.fill(picked);
      const vx = viewRect.x * f.scale + f.ox;
      const vy = viewRect.y * f.scale + f.oy;
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = colors.accent;
      ctx.strokeRect(vx, vy, viewRect.w * f.scale, viewRect.h * f.scale);
      minimapDrawn.shown = true;
      minimapDrawn.rects = rects;
    };
    const schedule = () => {
      if (!raf) raf = requestAnimationFrame(draw);
    };
    // A drag repaints the links in the pointer's task; the minimap follows in that frame's animation callbacks.
    const unView = view.current?.subscribe(schedule);
    const unStore = store.subscribe((s, prev) => {
      if (s.transform !== prev.transform || s.width !== prev.width || s.height !== prev.height) schedule();
    });
    schedule();
    return () => {
      unView?.();
      unStore();
      if (raf) cancelAnimationFrame(raf);
      minimapDrawn.shown = false;
      minimapDrawn.rects = [];
    };
  }, [view, store, size.w, size.h, theme, selection]);

  const moveTo = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const f = frame.current;
    if (!f) return;
    const r = e.currentTarget.getBoundingClientRect();
    const x = (e.clientX - r.left - f.ox) / f.scale;
    const y = (e.clientY - r.top - f.oy) / f.scale;
    void flow.setCenter(x, y, { zoom: flow.getZoom() });
  };

  return (
    <canvas
      ref={ref}
      className="minimap nopan nowheel"
      data-testid="canvas__minimap"
      style={{ width: size.w, height: size.h }}
      aria-label="Minimap: press to move the view there"
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        moveTo(e);
      }}
      onPointerMove={(e) => {
        if (e.buttons & 1) moveTo(e);
      }}
      onWheel={(e) => void (e.deltaY < 0 ? flow.zoomIn({ duration: 80 }) : flow.zoomOut({ duration: 80 }))}
    />
  );
}
