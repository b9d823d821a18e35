import type { z } from 'zod';
import type { FixAction } from '../../shared/diagnostics';
import { Link, NODE_SCHEMAS } from '../../shared/model';
import type { Topology, TopologyNode } from '../../shared/model';
import { findLink, findNode, setIn, type Change } from '../doc/changes';
import type { TargetField } from './targetOptions';

/** What a one-click fix does: document changes (one undo step), or a compile target option. */
export type FixEffect =
  | { readonly kind: 'doc'; readonly changes: readonly Change[] }
  | { readonly kind: 'target'; readonly field: TargetField; readonly value: string };

/**
 * A `set-field` as the document edit it means: the node (or link) re-parsed with its schema, so a removed field
 * (value undefined) comes back as its default, as the loader would give it. Falls back to a plain set-field.
 */
function setField(doc: Topology, a: Extract<FixAction, { kind: 'set-field' }>): Change {
  if (a.on === 'link') {
    const found = findLink(doc, a.node);
    const parsed = found ? Link.safeParse(setIn(found.link, a.path, a.value)) : null;
    if (parsed?.success) return { type: 'replace-link', id: a.node, link: parsed.data };
    return { type: 'set-field', on: 'link', id: a.node, path: a.path, value: a.value };
  }
  const node = findNode(doc, a.node);
  const schema = node ? (NODE_SCHEMAS[node.kind] as unknown as z.ZodType<TopologyNode>) : null;
  const parsed = node && schema ? schema.safeParse(setIn(node, a.path, a.value)) : null;
  if (parsed?.success) return { type: 'replace-node', id: a.node, node: parsed.data };
  return { type: 'set-field', on: 'node', id: a.node, path: a.path, value: a.value };
}

/** What applying a fix action to this document does. Pure. */
export function fixEffect(doc: Topology, action: FixAction): FixEffect {
  switch (action.kind) {
    case 'convert-node':
      return { kind: 'doc', changes: [{ type: 'convert-node', id: action.node, toKind: action.toKind }] };
    case 'set-field':
      return { kind: 'doc', changes: [setField(doc, action)] };
    case 'remove-link':
      return { kind: 'doc', changes: [{ type: 'remove', nodes: [], links: [action.link] }] };
    case 'set-target':
      return { kind: 'target', field: action.field, value: action.value };
  }
}
