import { useStoreApi } from '@xyflow/react';
import { useEffect, useLayoutEffect, useRef, type MutableRefObject } from 'react';
import { editor } from '../store/editor';
import { useEffectiveTheme } from '../store/theme';
import type { LinkColors, LinkMarks } from './linkPainter';
import { LinkView } from './linkView';
import type { Scene } from './scene';

/** The theme's link colours, from the page's CSS variables. */
function themeColors(): LinkColors {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    link: v('--link', '#8a94a3'),
    selected: v('--accent', '#2563eb'),
    error: v('--error', '#c62828'),
    labelBg: v('--panel', '#ffffff'),
    labelBorder: v('--border', '#dfe3e8'),
    labelText: v('--text', '#1c2430'),
    capture: v('--capture', '#0a8f5a'),
  };
}

/**
 * The link canvases, under React Flow's nodes (a child of <ReactFlow>, so it sits beneath the node layer and reads
 * the viewport from React Flow's store). `view` is how the canvas's drag and hover code reach it.
 */
export function LinkLayer({
  scene,
  marks,
  view,
}: {
  scene: Scene;
  marks: LinkMarks;
  view: MutableRefObject<LinkView | null>;
}) {
  const base = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);
  const store = useStoreApi();
  const theme = useEffectiveTheme();

  useLayoutEffect(() => {
    const v = new LinkView(base.current!, overlay.current!, () => editor.getState().doc.nodes);
    view.current = v;
    const [x, y, zoom] = store.getState().transform;
    v.setViewport({ x, y, zoom });
    const unsubscribe = store.subscribe((s, prev) => {
      if (s.transform !== prev.transform) v.setViewport({ x: s.transform[0], y: s.transform[1], zoom: s.transform[2] });
    });
    const box = base.current!.parentElement!;
    const resize = new ResizeObserver(() => v.setSize(box.clientWidth, box.clientHeight, window.devicePixelRatio || 1));
    resize.observe(box);
    v.setSize(box.clientWidth, box.clientHeight, window.devicePixelRatio || 1);
    return () => {
      unsubscribe();
      resize.disconnect();
      v.dispose();
      view.current = null;
    };
  }, [store, view]);

  // The theme's attribute is set by an effect of the app: read the colours a frame later.
  useEffect(() => {
    const raf = requestAnimationFrame(() => view.current?.setColors(themeColors()));
    return () => cancelAnimationFrame(raf);
  }, [theme, view]);

  // Layout effects: the new routes are painted in the frame that shows the document they belong to.
  useLayoutEffect(() => view.current?.setScene(scene), [scene, view]);
  useLayoutEffect(() => view.current?.setMarks(marks), [marks, view]);

  return (
    <div className="link-layer" data-testid="canvas__links">
      <canvas ref={base} className="link-layer__canvas" />
      <canvas ref={overlay} className="link-layer__canvas" />
    </div>
  );
}
