import type { XY } from './geometry';

let source: (() => XY) | null = null;

/** The canvas tells where the middle of its view is (in flow units), for actions that add something "here". */
export function setViewCenterSource(get: (() => XY) | null): void {
  source = get;
}

/** The middle of the canvas's view, or a default place when no canvas is shown. */
export function viewCenter(): XY {
  return source?.() ?? { x: 200, y: 150 };
}
