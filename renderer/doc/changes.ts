import { linkId, resolveEndpoint } from '../../shared/model';
import type { Annotation, Link, Settings, Topology, TopologyNode } from '../../shared/model';
import { freeGroup } from '../../shared/compiler';

/** A canvas position. */
export interface XY {
  readonly x: number;
  readonly y: number;
}

/**
 * Every edit of the document, as data. The store applies them with `applyChange` (pure); history, tests and the
 * one-click fixes all speak this union.
 */
export type Change =
  | { readonly type: 'add-node'; readonly node: TopologyNode; readonly position: XY }
  | {
      readonly type: 'remove';
      readonly nodes: readonly string[];
      readonly links: readonly string[];
      readonly annotations?: readonly string[];
    }
  | { readonly type: 'move-nodes'; readonly moves: readonly { readonly id: string; readonly position: XY }[] }
  /** Annotations (notes, areas) by id: a drag of a mixed selection sends this beside `move-nodes`, in one action. */
  | { readonly type: 'move-annotations'; readonly moves: readonly { readonly id: string; readonly position: XY }[] }
  | { readonly type: 'add-annotation'; readonly annotation: Annotation }
  /** Replaces the annotation with this id (its text, size, colour, place). */
  | { readonly type: 'replace-annotation'; readonly id: string; readonly annotation: Annotation }
  | { readonly type: 'replace-node'; readonly id: string; readonly node: TopologyNode }
  | { readonly type: 'add-link'; readonly link: Link }
  | { readonly type: 'replace-link'; readonly id: string; readonly link: Link }
  | { readonly type: 'convert-node'; readonly id: string; readonly toKind: 'vde' | 'mcast' }
  | {
      readonly type: 'set-field';
      readonly on: 'node' | 'link';
      readonly id: string;
      readonly path: readonly (string | number)[];
      /** undefined removes the field. */
      readonly value: unknown;
    }
  | { readonly type: 'set-name'; readonly name: string }
  /** undefined removes the description. */
  | { readonly type: 'set-description'; readonly description: string | undefined }
  | { readonly type: 'set-settings'; readonly settings: Settings }
  | { readonly type: 'replace-document'; readonly doc: Topology };

/** The node with this id, if any. */
export function findNode(doc: Topology, id: string): TopologyNode | undefined {
  return doc.nodes.find((n) => n.id === id);
}

/** The link with this (explicit or derived) id, and its index. */
export function findLink(doc: Topology, id: string): { link: Link; index: number } | undefined {
  const index = doc.links.findIndex((l, i) => linkId(l, i) === id);
  return index < 0 ? undefined : { link: doc.links[index]!, index };
}

/** Node ids a link touches. */
export function linkNodes(link: Link): [string, string] {
  return [resolveEndpoint(link.a).node, resolveEndpoint(link.b).node];
}

/**
 * A copy of `value` with `path` set to `next`. Undefined removes an object key, and an object that removal leaves
 * empty goes with it: a cleared `console.tcpPort` leaves no `console: {}` in the saved file.
 */
export function setIn(value: unknown, path: readonly (string | number)[], next: unknown): unknown {
  if (path.length === 0) return next;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[head as number] = setIn(copy[head as number], rest, next);
    return copy;
  }
  const obj = { ...((value ?? {}) as Record<string, unknown>) };
  const child = rest.length === 0 ? next : setIn(obj[head], rest, next);
  if (next === undefined && (rest.length === 0 || isEmptyObject(child))) delete obj[head];
  else obj[head] = child;
  return obj;
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

function converted(doc: Topology, node: TopologyNode, toKind: 'vde' | 'mcast'): TopologyNode {
  const kept = {
    id: node.id,
    ...(node.name !== undefined ? { name: node.name } : {}),
    ...(node.notes !== undefined ? { notes: node.notes } : {}),
  };
  if (toKind === 'vde') return { ...kept, kind: 'vde', ports: 32, hub: false };
  // A group no other segment of the lab uses: on one host, segments on one group are one segment.
  const used = new Set(doc.nodes.flatMap((n) => (n.kind === 'mcast' && n.id !== node.id ? [n.group] : [])));
  return { ...kept, kind: 'mcast', group: freeGroup(used) ?? '230.0.0.1', port: 1234, transport: 'auto' };
}

/** Applies one change to a document; returns the same object when nothing changed. Pure. */
export function applyChange(doc: Topology, change: Change): Topology {
  switch (change.type) {
    case 'add-node':
      if (findNode(doc, change.node.id)) return doc;
      return {
        ...doc,
        nodes: [...doc.nodes, change.node],
        layout: { ...doc.layout, nodes: { ...doc.layout.nodes, [change.node.id]: { ...change.position } } },
      };
    case 'remove': {
      const nodes = new Set(change.nodes);
      const links = new Set(change.links);
      const notes = new Set(change.annotations ?? []);
      if (nodes.size === 0 && links.size === 0 && notes.size === 0) return doc;
      const positions = { ...doc.layout.nodes };
      for (const id of nodes) delete positions[id];
      const annotations = notes.size ? doc.layout.annotations.filter((a) => !notes.has(a.id)) : doc.layout.annotations;
      return {
        ...doc,
        nodes: nodes.size ? doc.nodes.filter((n) => !nodes.has(n.id)) : doc.nodes,
        links:
          nodes.size || links.size
            ? doc.links.filter((l, i) => !links.has(linkId(l, i)) && !linkNodes(l).some((n) => nodes.has(n)))
            : doc.links,
        layout: { nodes: positions, annotations },
      };
    }
    case 'move-nodes': {
      if (change.moves.length === 0) return doc;
      const positions = { ...doc.layout.nodes };
      for (const m of change.moves) positions[m.id] = { x: m.position.x, y: m.position.y };
      return { ...doc, layout: { ...doc.layout, nodes: positions } };
    }
    case 'move-annotations': {
      const to = new Map(change.moves.map((m) => [m.id, m.position]));
      if (to.size === 0) return doc;
      const annotations = doc.layout.annotations.map((a) => {
        const p = to.get(a.id);
        return p ? { ...a, x: p.x, y: p.y } : a;
      });
      return { ...doc, layout: { ...doc.layout, annotations } };
    }
    case 'add-annotation':
      if (doc.layout.annotations.some((a) => a.id === change.annotation.id)) return doc;
      return { ...doc, layout: { ...doc.layout, annotations: [...doc.layout.annotations, change.annotation] } };
    case 'replace-annotation': {
      const i = doc.layout.annotations.findIndex((a) => a.id === change.id);
      if (i < 0) return doc;
      const annotations = doc.layout.annotations.map((a, j) => (j === i ? change.annotation : a));
      return { ...doc, layout: { ...doc.layout, annotations } };
    }
    case 'replace-node':
      return { ...doc, nodes: doc.nodes.map((n) => (n.id === change.id ? change.node : n)) };
    case 'add-link':
      return { ...doc, links: [...doc.links, change.link] };
    case 'replace-link': {
      const found = findLink(doc, change.id);
      if (!found) return doc;
      return { ...doc, links: doc.links.map((l, i) => (i === found.index ? change.link : l)) };
    }
    case 'convert-node':
      return { ...doc, nodes: doc.nodes.map((n) => (n.id === change.id ? converted(doc, n, change.toKind) : n)) };
    case 'set-field':
      if (change.on === 'link') {
        const found = findLink(doc, change.id);
        if (!found) return doc;
        const link = setIn(found.link, change.path, change.value) as Link;
        return { ...doc, links: doc.links.map((l, i) => (i === found.index ? link : l)) };
      }
      return {
        ...doc,
        nodes: doc.nodes.map((n) => (n.id === change.id ? (setIn(n, change.path, change.value) as TopologyNode) : n)),
      };
    case 'set-name':
      return change.name === doc.name ? doc : { ...doc, name: change.name };
    case 'set-description': {
      if (change.description === doc.description) return doc;
      const { description: _, ...rest } = doc;
      return change.description === undefined ? rest : { ...rest, description: change.description };
    }
    case 'set-settings':
      return { ...doc, settings: change.settings };
    case 'replace-document':
      return change.doc;
  }
}

/** Applies changes in order. */
export function applyChanges(doc: Topology, changes: readonly Change[]): Topology {
  return changes.reduce(applyChange, doc);
}
