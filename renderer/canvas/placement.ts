import type { Topology } from '../../shared/model';
import { annotationRect, nodeGeoms, overlaps, type Rect, type XY } from './geometry';

/** Air kept between a new node and the others. */
const GAP = 20;
const STEP = 20;
const MAX_RINGS = 100;

/**
 * Where a new box of `size` goes when wanted at `want` (its top-left corner, on the grid): there when nothing is
 * in the way, else the nearest free place on a 20-unit grid around it, so a drop never lands a node on another.
 * Nodes and notes are in the way; shaded areas are not (nodes go inside them on purpose).
 */
export function freeSpot(doc: Topology, want: XY, size: { readonly w: number; readonly h: number }): XY {
  const taken: Rect[] = [
    ...[...nodeGeoms(doc).values()],
    ...doc.layout.annotations.filter((a) => a.kind === 'note').map(annotationRect),
  ];
  const fits = (p: XY) =>
    !taken.some((t) => overlaps({ x: p.x - GAP, y: p.y - GAP, w: size.w + 2 * GAP, h: size.h + 2 * GAP }, t));
  if (fits(want)) return want;
  for (let ring = 1; ring <= MAX_RINGS; ring++) {
    const spots: XY[] = [];
    for (let i = -ring; i <= ring; i++)
      spots.push(
        { x: want.x + i * STEP, y: want.y - ring * STEP },
        { x: want.x + i * STEP, y: want.y + ring * STEP },
        { x: want.x - ring * STEP, y: want.y + i * STEP },
        { x: want.x + ring * STEP, y: want.y + i * STEP },
      );
    spots.sort((a, b) => Math.hypot(a.x - want.x, a.y - want.y) - Math.hypot(b.x - want.x, b.y - want.y));
    const found = spots.find(fits);
    if (found) return found;
  }
  return want;
}
