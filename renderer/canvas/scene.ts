import { linkId, resolveEndpoint } from '../../shared/model';
import type { Topology } from '../../shared/model';
import { nodeGeoms, type NodeGeom } from './geometry';
import { looseEnds, type LooseEnd } from './looseEnds';
import { routeAll, type LinkSpec, type Routing } from './routes';

/**
 * What the canvas draws links from: every node's box (and each loose end's, by its flow id), every link's route and
 * label, and links by node.
 */
export interface Scene {
  readonly geoms: ReadonlyMap<string, NodeGeom>;
  /** The ends of links that name a node or port the document does not have, drawn as boxes of their own. */
  readonly loose: readonly LooseEnd[];
  readonly specs: readonly LinkSpec[];
  readonly specById: ReadonlyMap<string, LinkSpec>;
  readonly routing: Routing;
  /** Ids of the links that touch each node. */
  readonly linksOf: ReadonlyMap<string, readonly string[]>;
}

/** The link specs of a document, labelled; a loose end is routed to its own box. */
function linkSpecs(doc: Topology, labels: ReadonlyMap<string, string>, loose: readonly LooseEnd[]): LinkSpec[] {
  const boxOf = new Map(loose.map((e) => [`${e.link}:${e.side}`, { node: e.flowId }]));
  return doc.links.map((link, i) => {
    const id = linkId(link, i);
    const label = labels.get(id);
    const looseA = boxOf.get(`${id}:a`);
    const looseB = boxOf.get(`${id}:b`);
    // A loose link is realized as nothing: no transport label.
    const shown = label && !looseA && !looseB ? { label } : {};
    return { id, a: looseA ?? resolveEndpoint(link.a), b: looseB ?? resolveEndpoint(link.b), ...shown };
  });
}

let last: {
  nodes: Topology['nodes'];
  links: Topology['links'];
  positions: Topology['layout']['nodes'];
  labels: ReadonlyMap<string, string>;
  scene: Scene;
} | null = null;

/** The scene of a document; the same object while nodes, links, positions and labels are (annotations aside). */
export function sceneOf(doc: Topology, labels: ReadonlyMap<string, string>): Scene {
  if (
    last &&
    last.nodes === doc.nodes &&
    last.links === doc.links &&
    last.positions === doc.layout.nodes &&
    last.labels === labels
  )
    return last.scene;
  const geoms = nodeGeoms(doc);
  const loose = looseEnds(doc, geoms);
  for (const e of loose) geoms.set(e.flowId, e.geom);
  const specs = linkSpecs(doc, labels, loose);
  const linksOf = new Map<string, string[]>();
  for (const s of specs)
    for (const n of new Set([s.a.node, s.b.node])) {
      const list = linksOf.get(n);
      if (list) list.push(s.id);
      else linksOf.set(n, [s.id]);
    }
  const scene: Scene = {
    geoms,
    loose,
    specs,
    specById: new Map(specs.map((s) => [s.id, s])),
    routing: routeAll(specs, geoms),
    linksOf,
  };
  last = { nodes: doc.nodes, links: doc.links, positions: doc.layout.nodes, labels, scene };
  return scene;
}
