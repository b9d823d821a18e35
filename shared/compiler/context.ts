import type { Topology } from '../model/schema';
import type { ExternalBridge } from './plan';
import type { Diagnostic, Fix } from '../diagnostics';
import type { Target } from './target';
import type { Graph } from './graph';
import type { IfnameAllocator } from './derive';
import type { PortAllocator } from './ports';
import { UNIX_PATH_MAX, utf8Bytes } from './derive';
import { diag } from './diagnostics';

/** How VM NICs reach a bridge: a tap made by a root host step, or `-netdev bridge` through qemu-bridge-helper. */
export type BridgeMode = 'tap' | 'helper';

/**
 * Everything the compile phases share: inputs, derived names, allocators and the diagnostics list. Phases run in a
 * fixed order (names, ports, links, hubs, VMs, host, processes) so derived values never depend on document order.
 */
export interface Ctx {
  readonly topology: Topology;
  readonly target: Target;
  readonly lab: string;
  readonly labDir: string;
  readonly graph: Graph;
  readonly diagnostics: Diagnostic[];
  readonly macs: ReadonlyMap<string, string>;
  readonly ifnames: IfnameAllocator;
  readonly ports: PortAllocator;
  readonly bridgeMode: BridgeMode;
  /** Linux name of each bridge node. */
  readonly bridgeNames: Map<string, string>;
  /** Linux name of each tap node. */
  readonly tapNodeNames: Map<string, string>;
  /** Taps made for links to bridges, by link id (a VM NIC or a hub on one side). */
  readonly linkTaps: Map<string, string>;
  /** The tap and ifb tc shapes each link on, by link id: a link tap above, or the tap node a VM or hub links to. */
  readonly shapeTaps: Map<string, import('./shaping').ShapedTap>;
  /** Control directory of each VDE switch. */
  readonly vdeDirs: Map<string, string>;
  /** Backends each netdev type is used by (node ids), for BACKEND_MISSING. */
  readonly backendUse: Map<string, Set<string>>;
  /** Process ids each VM must wait for, by VM id. */
  readonly vmDeps: Map<string, Set<string>>;
  /** Unix socket paths already checked. */
  readonly checkedPaths: Set<string>;
  /** Host bridges the lab joins without creating them, in bridge id order. */
  readonly externalBridges: ExternalBridge[];
  /** vhost-user sockets (client mode) and vDPA devices guests open, by node id, with the guests that open each. */
  readonly externalBackends: Map<
    string,
    { readonly kind: 'vhost-user' | 'vdpa'; readonly path: string; readonly vms: Set<string> }
  >;
}

/** Record that `node` makes QEMU use netdev backend `type`. */
export function useBackend(ctx: Ctx, type: string, node: string): void {
  const set = ctx.backendUse.get(type);
  if (set) set.add(node);
  else ctx.backendUse.set(type, new Set([node]));
}

/** Record that guest `vm` opens an external backend (a vhost-user switch's socket, a vDPA device). */
export function useExternal(ctx: Ctx, kind: 'vhost-user' | 'vdpa', node: string, path: string, vm: string): void {
  const known = ctx.externalBackends.get(node);
  if (known) known.vms.add(vm);
  else ctx.externalBackends.set(node, { kind, path, vms: new Set([vm]) });
}

/** Record that VM `vm` must start after process `proc` is ready. */
export function addVmDep(ctx: Ctx, vm: string, proc: string): void {
  const set = ctx.vmDeps.get(vm);
  if (set) set.add(proc);
  else ctx.vmDeps.set(vm, new Set([proc]));
}

/**
 * Check a unix socket path against the 107-byte limit once; an over-long path is an error. Paths under the lab's
 * state directory get a fix that shortens the state directory: to the target's short directory of the user's own
 * when that makes the path fit (never a shared one such as /tmp/qn, which another user could make first), else
 * advice; paths the user typed get a fix on that field.
 */
export function checkUnixPath(
  ctx: Ctx,
  path: string,
  what: string,
  where: { nodes?: string[]; links?: string[] },
): void {
  if (ctx.checkedPaths.has(path)) return;
  ctx.checkedPaths.add(path);
  const bytes = utf8Bytes(path);
  if (bytes <= UNIX_PATH_MAX) return;
  const underState = path.startsWith(`${ctx.labDir}/`);
  const fix = underState ? shorterStateDir(ctx, path) : { label: `Choose a path of at most ${UNIX_PATH_MAX} bytes` };
  ctx.diagnostics.push(
    diag(
      'SOCKET_PATH_TOO_LONG',
      `${what}: unix socket path ${path} is ${bytes} bytes; QEMU accepts at most ${UNIX_PATH_MAX}`,
      {
        nodes: where.nodes ?? [],
        links: where.links ?? [],
        fix,
      },
    ),
  );
}

/** The fix of a socket path under the state directory that is too long. */
function shorterStateDir(ctx: Ctx, path: string): Fix {
  const short = ctx.target.shortStateDir;
  const base = ctx.target.stateDir.replace(/\/+$/, '');
  if (short !== undefined && short !== base && utf8Bytes(short + path.slice(base.length)) <= UNIX_PATH_MAX)
    return {
      label: `Use the shorter state directory ${short} (your own)`,
      action: { kind: 'set-target', field: 'stateDir', value: short },
    };
  return {
    label:
      'Use a shorter state directory of your own (--state-dir DIR, not a shared one like /tmp), or shorter lab and node names',
  };
}
