import { CURRENT_VERSION, Topology, type TopologyInput } from '../model/schema';
import { DEFAULT_TARGET, type HostProbe, type Target } from './target';

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

/** Test support: a host probe that found QEMU 7.2 for x86_64 and no KVM, with some fields changed. */
export function hostProbe(over: Partial<HostProbe> = {}): HostProbe {
  return {
    qemu: { x86_64: { binary: 'qemu-system-x86_64', version: { major: 7, minor: 2, micro: 0 }, netdevBackends: null } },
    nicModels: {},
    kvm: { usable: false, reason: 'test' },
    vhostNet: true,
    tinyGuest: {},
    hostInterfaces: [],
    stateDir: '/run/qnet',
    shortStateDir: '/run/qn',
    ...over,
  };
}
