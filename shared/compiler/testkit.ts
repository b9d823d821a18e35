import { CURRENT_VERSION, Topology, type TopologyInput } from '../model/schema';
import { DEFAULT_TARGET, type Target } from './target';

/** Test support: a topology parsed through the schema so defaults apply, from a short input. */
export function topo(input: Omit<TopologyInput, 'version' | 'name'> & { name?: string }): Topology {
  return Topology.parse({ version: CURRENT_VERSION, name: 'lab', ...input });
}

/** Test support: the default target with some fields changed. */
export function target(over: Partial<Target> = {}): Target {
  return { ...DEFAULT_TARGET, ...over };
}

/** Test support: the values following each occurrence of `option` in an argv. */
export function valuesOf(argv: readonly string[], option: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length - 1; i++) if (argv[i] === option) out.push(argv[i + 1] ?? '');
  return out;
}
