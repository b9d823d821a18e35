import type { KeyboardEvent, PointerEvent } from 'react';
import { BOTTOM_HEIGHT, usePanels } from '../store/panels';

/** The toolbar's height and the least of the canvas a drag leaves visible, in pixels. */
const TOOLBAR = 42;
const CANVAS_MIN = 120;
const STEP = 20;

/** The tallest the panel may be in this window: the canvas above it stays usable. */
const tallest = () => Math.max(BOTTOM_HEIGHT.min, window.innerHeight - TOOLBAR - CANVAS_MIN);

/**
 * The bottom panel's top edge: dragged to resize the panel (the canvas gives the room), arrow keys step it, a
 * double-click restores the default. The height is remembered when the drag ends.
 */
export function PanelGrip() {
  const height = usePanels((s) => s.bottomHeight);
  const set = (px: number, remember = true) => usePanels.getState().setBottomHeight(Math.min(px, tallest()), remember);

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.preventDefault();
    const grip = e.currentTarget;
    grip.setPointerCapture(e.pointerId);
    const startY = e.clientY;
    const startHeight = usePanels.getState().bottomHeight;
    const move = (m: globalThis.PointerEvent) => set(startHeight + (startY - m.clientY), false);
    const end = (u: globalThis.PointerEvent) => {
      grip.removeEventListener('pointermove', move);
      grip.removeEventListener('pointerup', end);
      grip.removeEventListener('pointercancel', end);
      set(startHeight + (startY - u.clientY));
    };
    grip.addEventListener('pointermove', move);
    grip.addEventListener('pointerup', end);
    grip.addEventListener('pointercancel', end);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
    e.preventDefault();
    e.stopPropagation(); // the canvas's arrow keys nudge the selection
    set(height + (e.key === 'ArrowUp' ? STEP : -STEP));
  };

  return (
    <div
      className="bottom-panel__grip"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize the bottom panel"
      aria-valuenow={height}
      aria-valuemin={BOTTOM_HEIGHT.min}
      tabIndex={0}
      title="Drag to resize (double-click: default size)"
      data-testid="bottom-panel__grip"
      onPointerDown={onPointerDown}
      onKeyDown={onKeyDown}
      onDoubleClick={() => set(BOTTOM_HEIGHT.initial)}
    />
  );
}
