import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyChange } from '../doc/changes';
import { emptyDocument, newNode } from '../doc/factory';
import { nodeGeom, nodeGeoms, overlaps } from './geometry';
import { freeSpot } from './placement';

describe('freeSpot', () => {
  it('keeps the wanted place when it is free', () => {
    expect(freeSpot(emptyDocument(), { x: 100, y: 60 }, { w: 180, h: 47 })).toEqual({ x: 100, y: 60 });
  });

  it('property: a node dropped anywhere among others lands on none of them, near where it was dropped', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 })), { maxLength: 25 }),
        fc.tuple(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 600 })),
        (places, [wx, wy]) => {
          let doc = emptyDocument();
          for (const [x, y] of places)
            doc = applyChange(doc, { type: 'add-node', node: newNode(doc, 'vm'), position: { x: x * 20, y: y * 20 } });
          const node = newNode(doc, 'bridge');
          const size = nodeGeom(node, { x: 0, y: 0 });
          const at = freeSpot(doc, { x: wx, y: wy }, size);
          const box = { x: at.x, y: at.y, w: size.w, h: size.h };
          for (const g of nodeGeoms(doc).values()) expect(overlaps(box, g)).toBe(false);
          expect(Math.hypot(at.x - wx, at.y - wy)).toBeLessThan(2000);
        },
      ),
      { numRuns: 200 },
    );
  });
});
