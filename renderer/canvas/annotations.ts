import type { AreaAnnotation, NoteAnnotation, Topology } from '../../shared/model';
import type { Node } from '@xyflow/react';
import { annotationRect, type XY } from './geometry';
import { ANNOTATION_PREFIX } from './nodeDrag';
import { placeStyle } from './flow';

/** The first `<prefix><n>` no annotation of the document uses. */
function freshAnnotationId(doc: Topology, prefix: string): string {
  const used = new Set(doc.layout.annotations.map((a) => a.id));
  for (let n = 1; ; n++) if (!used.has(`${prefix}${n}`)) return `${prefix}${n}`;
}

/** A new text note at a place. */
export function newNote(doc: Topology, at: XY, text = 'Note'): NoteAnnotation {
  return { id: freshAnnotationId(doc, 'note'), kind: 'note', x: at.x, y: at.y, text };
}

/** A new shaded area at a place (blue, 400 x 260, labelled after its id). */
export function newArea(doc: Topology, at: XY): AreaAnnotation {
  const id = freshAnnotationId(doc, 'area');
  return { id, kind: 'area', x: at.x, y: at.y, width: 400, height: 260, label: id, color: 'blue' };
}

export type NoteFlowNode = Node<{ readonly annotation: NoteAnnotation }, 'note'>;
export type AreaFlowNode = Node<{ readonly annotation: AreaAnnotation }, 'area'>;

/** Areas sit under every node (even when selected: React Flow lifts a selected node by 1000). */
const AREA_Z = -2000;

const cache = new WeakMap<object, { selected: boolean; node: NoteFlowNode | AreaFlowNode }>();

/** React Flow nodes of the annotations (ids `@<id>`), objects kept while an annotation and its selection are. */
export function annotationFlowNodes(doc: Topology, selected: ReadonlySet<string>): (NoteFlowNode | AreaFlowNode)[] {
  return doc.layout.annotations.map((a) => {
    const isSelected = selected.has(a.id);
    const hit = cache.get(a);
    if (hit && hit.selected === isSelected) return hit.node;
    const r = annotationRect(a);
    const base = {
      id: `${ANNOTATION_PREFIX}${a.id}`,
      position: { x: a.x, y: a.y },
      selected: isSelected,
      className: 'nopan',
    };
    const node: NoteFlowNode | AreaFlowNode =
      a.kind === 'area'
        ? {
            ...base,
            type: 'area',
            data: { annotation: a },
            zIndex: AREA_Z,
            width: r.w,
            height: r.h,
            measured: { width: r.w, height: r.h },
            // The area's body lets the pointer through to links and the pane; its label and border take it.
            style: { ...placeStyle(a), pointerEvents: 'none' },
          }
        : { ...base, type: 'note', data: { annotation: a }, style: placeStyle(a), width: r.w };
    cache.set(a, { selected: isSelected, node });
    return node;
  });
}
