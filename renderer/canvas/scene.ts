import { linkId, resolveEndpoint } from '../../shared/model';
import type { Topology } from '../../shared/model';
import { nodeGeoms, type NodeGeom } from './geometry';
import { routeAll, type LinkSpec, type Routing } from './routes';

/** What the canvas draws links from: every node's box, every link's route and label, and links by node. */
export interface Scene {
  readonly geoms: ReadonlyMap<string, NodeGeom>;
  readonly specs: readonly LinkSpec[];
  readonly specById: ReadonlyMap<string, LinkSpec>;
  readonly routing: Routing;
  /** Ids of the links that touch each node. */
  readonly linksOf: ReadonlyMap<string, readonly string[]>;
}

/** The link specs of a document, labelled. */
export function linkSpecs(doc: Topology, labels: ReadonlyMap<string, string>): LinkSpec[] {
  return doc.links.map((link, i) => {
    const id = linkId(link, i);
    const label = labels.get(id);
    return { id, a: resolveEndpoint(link.a), b: resolveEndpoint(link.b), ...(label ? { label } : {}) };
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
  const specs = linkSpecs(doc, labels);
  const linksOf = new Map<string, string[]>();
  for (const s of specs)
    for (const n of new Set([s.a.node, s.b.node])) {
      const list = linksOf.get(n);
      if (list) list.push(s.id);
      else linksOf.set(n, [s.id]);
    }
  const scene: Scene = {
    geoms,
    specs,
    specById: new Map(specs.map((s) => [s.id, s])),
    routing: routeAll(specs, geoms),
    linksOf,
  };
  last = { nodes: doc.nodes, links: doc.links, positions: doc.layout.nodes, labels, scene };
  return scene;
}
