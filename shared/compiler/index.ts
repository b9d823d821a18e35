import { shapingDiagnostics } from './shapingdiag';
import { pastaProcesses } from './pasta';
import { bridgeForwards } from './publish';
import type { Topology, VmNode } from '../model/schema';
import type { LocatedDiagnostic } from '../model/load';
import type { HostNeeds, LabPlan } from './plan';
import type { Diagnostic } from '../diagnostics';
import type { Target } from './target';
import type { Ctx } from './context';
import { checkStructure } from '../model/validate';
import { buildGraph } from './graph';
import { IfnameAllocator, labSlug, labStateDir, netnsName } from './derive';
import { assignMacs, type MacRequest } from './mac';
import { PortAllocator } from './ports';
import { assignIfnames, assignShapeTaps } from './names';
import { reserveConsolePorts } from './consoleport';
import { natDiagnostics, reserveHostfwdPorts, smbdUse } from './nat';
import { backendNodeDiagnostics } from './nodebackend';
import { planP2p } from './p2p';
import { planHubs } from './hubs';
import { compileVm } from './vm';
import { hostSteps } from './host';
import { assignVdeDirs, switchProcesses, vmProcesses } from './processes';
import { testpmdProcesses } from './testpmd';
import { umlProcesses } from './uml';
import { unlinkedBackends } from './leftout';
import { overlayProgram, sharedDiskWrites } from './disks';
import { leastPrivilege } from './privilege';
import { programUses } from './needs';
import { unpeeredNetdevs } from './selfcheck';
import { diag } from './diagnostics';
import { machinePair } from './machine';

/** The plan types, the target, the diagnostic codes and the helpers other layers reuse (emitter, UI, CLI). */
export type {
  LabPlan,
  VmPlan,
  HostStep,
  CreatedObject,
  ProcessPlan,
  HostNeeds,
  BoundPort,
  BootFile,
  NicFact,
  HelperBridge,
  ProgramUse,
  ExternalBridge,
  ExternalBackend,
  Privilege,
  Isolation,
  Readiness,
} from './plan';
export {
  DEFAULT_TARGET,
  qemuAtLeast,
  assembleTarget,
  targetNotes,
  type HostInterface,
  type HostProbe,
  type QemuBinaryProbe,
  type Target,
  type TargetOptions,
} from './target';
export { machinePair, machinePairs } from './machine';
export { COMPILER_CODES, type CompilerCode } from './diagnostics';
export { labSlug, labStateDir, netnsName, UNIX_PATH_MAX, IFNAME_MAX } from './derive';
export { freeGroup } from './nodebackend';
export { consolePorts } from './consoleport';
export { defaultIsolation, hostNetworkUses } from './isolation';
export { deleteArgv, releaseArgv, undoMismatch, type RecordedUndo } from './undo';

/** The NIC models of the machines `vms` run on, in the order they first appear. */
function usedNicModels(
  models: Readonly<Record<string, readonly string[]>>,
  vms: readonly VmNode[],
): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = {};
  for (const vm of vms) {
    const pair = machinePair(vm);
    const known = models[pair];
    if (known !== undefined) out[pair] = known;
  }
  return out;
}

function backendMissing(ctx: Ctx): void {
  const have = ctx.target.netdevBackends;
  if (have === null) return;
  const fixes: Record<string, string> = {
    vde: "Use a QEMU built with VDE (Debian's qemu-system has it, Ubuntu's does not), or use a multicast segment instead of the VDE switch",
    user: 'Install a QEMU built with libslirp (on Debian/Ubuntu: the qemu-system packages), or use a bridge with NAT',
    stream: 'Use the socket transport, or install QEMU 7.2 or newer',
    dgram: 'Use the socket transport, or install QEMU 7.2 or newer',
  };
  for (const [type, nodes] of [...ctx.backendUse.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    if (have.includes(type)) continue;
    const ids = [...nodes].sort();
    ctx.diagnostics.push(
      diag(
        'BACKEND_MISSING',
        `the installed QEMU has no ${type} network backend, which ${ids.join(', ')} needs${type === 'vde' ? ' (Ubuntu builds QEMU without VDE)' : ''}`,
        {
          nodes: ids,
          fix: { label: fixes[type] ?? `Install a QEMU with the ${type} backend` },
        },
      ),
    );
  }
}

/** What a caller already knows about the topology it compiles. */
export interface CompileOptions {
  /**
   * The structural diagnostics its load found (`LoadResult.diagnostics`), so the structure is not checked twice;
   * without them (a document edited in place) compile checks it. Their file positions stay out of the plan: its
   * diagnostics are placed by their `path`.
   */
  readonly structural?: readonly LocatedDiagnostic[];
}

/** A loader's diagnostic without its place in the file. */
const unplaced = ({ file: _f, line: _l, column: _c, ...d }: LocatedDiagnostic): Diagnostic => d;

/**
 * Compile a topology for a target into a LabPlan: one argv per VM, host steps with their undo, processes with their
 * start order, diagnostics and the least privilege needed. Pure and deterministic: the same topology (in any node or
 * link order, as long as no two links contend for a port: then the first in file order wins, as checkStructure
 * says) and target give the same plan, and every derived name comes from stable ids and the lab name.
 */
export function compile(topology: Topology, target: Target, options: CompileOptions = {}): LabPlan {
  const structural: Diagnostic[] = options.structural ? options.structural.map(unplaced) : checkStructure(topology);
  const graph = buildGraph(topology);
  const lab = labSlug(topology.name);
  const labDir = labStateDir(target.stateDir, lab);
  const netns = target.isolation === 'netns' ? netnsName(lab) : null;
  const diagnostics: Diagnostic[] = [];

  const requests: MacRequest[] = [];
  for (const vm of graph.vms) {
    const nodeIndex = topology.nodes.indexOf(vm);
    vm.nics.forEach((nic, i) => requests.push({ vm: vm.id, nic: nic.id, nicIndex: i, nodeIndex, mac: nic.mac }));
  }
  topology.nodes.forEach((n, nodeIndex) => {
    if (n.kind === 'uml')
      n.nics.forEach((nic, i) => requests.push({ vm: n.id, nic: nic.id, nicIndex: i, nodeIndex, mac: nic.mac }));
  });
  const macs = assignMacs(lab, topology.settings.macPrefix, requests);
  diagnostics.push(...macs.diagnostics);

  const ctx: Ctx = {
    topology,
    target,
    lab,
    labDir,
    graph,
    diagnostics,
    macs: macs.macs,
    ifnames: new IfnameAllocator(lab),
    ports: new PortAllocator(lab, topology.settings.portBase),
    // In a lab's user namespace taps need no root, and the setuid helper cannot reach a bridge there.
    bridgeMode: target.privilege === 'helper' && target.isolation !== 'userns' ? 'helper' : 'tap',
    bridgeNames: new Map(),
    tapNodeNames: new Map(),
    linkTaps: new Map(),
    shapeTaps: new Map(),
    vdeDirs: new Map(),
    backendUse: new Map(),
    vmDeps: new Map(),
    checkedPaths: new Set(),
    externalBridges: [],
    externalBackends: new Map(),
  };

  assignIfnames(ctx);
  assignShapeTaps(ctx);
  assignVdeDirs(ctx);
  reserveHostfwdPorts(ctx);
  const published = bridgeForwards(ctx);
  const consolePorts = reserveConsolePorts(ctx);
  backendNodeDiagnostics(ctx);
  const p2p = planP2p(ctx);
  const hubs = planHubs(ctx);
  natDiagnostics(ctx, hubs);
  unlinkedBackends(ctx);
  sharedDiskWrites(ctx);
  // A port a guest publishes through its bridge is one of its bound ports (pasta binds it once the guest runs), and
  // so is its console's TCP port (the engine binds it).
  const vms = graph.vms.map((node) => {
    const vm = compileVm(ctx, node, p2p, hubs);
    const consolePort = consolePorts.get(node.id);
    const more = [...(published.get(node.id) ?? []), ...(consolePort ? [consolePort] : [])];
    return more.length > 0 ? { ...vm, ports: [...vm.ports, ...more] } : vm;
  });
  const steps = hostSteps(ctx, netns, published);
  shapingDiagnostics(ctx);
  const processes = [
    ...switchProcesses(ctx),
    ...testpmdProcesses(ctx),
    ...umlProcesses(ctx, consolePorts),
    ...vmProcesses(ctx, vms),
    ...pastaProcesses(ctx, vms, netns),
  ];
  const privilege = leastPrivilege(ctx, steps);
  backendMissing(ctx);
  diagnostics.push(...unpeeredNetdevs(vms));

  // What was discovered about this machine (its interfaces, a short state directory of its user's) is the
  // compile's input, not part of the plan (plan.json).
  const { hostInterfaces: _discovered, shortStateDir: _short, netem: _netem, ...kept } = target;
  // The NIC models it keeps are those of the machines its VMs use: whatever else a probe has asked stays out.
  const planTarget =
    kept.nicModels === undefined ? kept : { ...kept, nicModels: usedNicModels(kept.nicModels, graph.vms) };
  const needs: HostNeeds = {
    programs: [...programUses(target.isolation, steps, processes), ...smbdUse(ctx, hubs), ...overlayProgram(vms)],
    bridges: ctx.externalBridges,
    backends: [...ctx.externalBackends]
      .sort((x, y) => (x[0] < y[0] ? -1 : 1))
      .map(([node, b]) => ({ kind: b.kind, node, path: b.path, vms: [...b.vms].sort() })),
  };
  return {
    lab,
    stateDir: labDir,
    netns,
    privilege,
    target: planTarget,
    vms,
    hostSteps: steps,
    processes,
    needs,
    diagnostics: [...structural, ...diagnostics],
  };
}
