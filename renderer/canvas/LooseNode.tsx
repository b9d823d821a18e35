import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { placeStyle } from './flow';
import { LOOSE_H, LOOSE_W, type LooseEnd } from './looseEnds';

export type LooseFlowNode = Node<{ readonly end: LooseEnd }, 'loose'>;

/** The handle id of a loose end's box: the whole box is the handle, so it is dragged like the end of a wire. */
export const LOOSE_HANDLE = 'loose';

const cache = new WeakMap<LooseEnd, LooseFlowNode>();

/**
 * React Flow nodes of the loose ends: not selectable or draggable as nodes (nothing of the document to select or
 * move); a press anywhere on one starts a wire from it, which reattaches that end where it is dropped.
 */
export function looseFlowNodes(loose: readonly LooseEnd[]): LooseFlowNode[] {
  return loose.map((end) => {
    const hit = cache.get(end);
    if (hit) return hit;
    const node: LooseFlowNode = {
      id: end.flowId,
      type: 'loose',
      position: { x: end.geom.x, y: end.geom.y },
      data: { end },
      selectable: false,
      className: 'nopan nodrag',
      style: placeStyle(end.geom),
      measured: { width: LOOSE_W, height: LOOSE_H },
    };
    cache.set(end, node);
    return node;
  });
}

function LooseNodeView({ data }: NodeProps<LooseFlowNode>) {
  const { end } = data;
  return (
    <div
      className="loose-end"
      style={{ width: LOOSE_W, height: LOOSE_H }}
      data-testid={`loose__${end.link}__${end.side}`}
      title={`${end.endpoint}: ${end.reason}. Drag this end onto a node or port to reattach the link, or delete the link.`}
    >
      <span className="loose-end__text">⚠ {end.endpoint}</span>
      <Handle id={LOOSE_HANDLE} type="source" position={Position.Left} className="loose-end__grip" />
    </div>
  );
}

export const LooseNode = memo(LooseNodeView);
