import type { Topology } from '../model/schema';

/** A diagnostic's path to a field of node `id`, from the document's root (['nodes', 3, 'nics', 0, 'mac']). */
export function nodePath(topology: Topology, id: string, ...rel: (string | number)[]): (string | number)[] {
  const index = topology.nodes.findIndex((n) => n.id === id);
  return index < 0 ? [] : ['nodes', index, ...rel];
}
