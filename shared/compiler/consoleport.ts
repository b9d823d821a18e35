import type { Ctx } from './context';
import type { BoundPort, LabPlan, VmPlan } from './plan';
import { diag } from './diagnostics';
import { nodePath } from './docpath';

/**
 * Reserve each VM's console TCP port (`console.tcpPort`): the engine binds it on the host's loopback, so it clashes
 * with every other host port of the lab; a second claim is PORT_CLASH. The ports, by VM node id.
 */
export function reserveConsolePorts(ctx: Ctx): Map<string, BoundPort> {
  const out = new Map<string, BoundPort>();
  const guests = [...ctx.graph.vms, ...ctx.topology.nodes.filter((n) => n.kind === 'uml')];
  for (const vm of guests) {
    const port = vm.console?.tcpPort;
    if (port === undefined) continue;
    const owner = { what: `the console of ${vm.id}`, nodes: [vm.id], links: [] };
    const prev = ctx.ports.reserve('tcp', port, owner);
    if (prev) {
      ctx.diagnostics.push(
        diag('PORT_CLASH', `tcp port ${port} is bound twice: by ${prev.what} and by ${owner.what}`, {
          nodes: [...new Set([...prev.nodes, vm.id])],
          links: [...prev.links],
          path: nodePath(ctx.topology, vm.id, 'console', 'tcpPort'),
          fix: { label: `Give the console of ${vm.id} another TCP port` },
        }),
      );
      continue;
    }
    out.set(vm.id, { proto: 'tcp', host: '127.0.0.1', port, what: 'console', node: vm.id });
  }
  return out;
}

/** Each guest's console TCP port as the plan states it (`what: 'console'`), by node id: what exports and status show. */
export function consolePorts(plan: LabPlan): Map<string, BoundPort> {
  const out = new Map<string, BoundPort>();
  for (const vm of plan.vms) {
    const port = consolePortOf(vm);
    if (port) out.set(vm.node, port);
  }
  for (const p of plan.processes) if (p.console?.port) out.set(p.node, p.console.port);
  return out;
}

/** A guest's console TCP port as the plan states it, if it has one (a plan read from a file may lack `ports`). */
export function consolePortOf(vm: VmPlan): BoundPort | undefined {
  return (vm.ports as readonly BoundPort[] | undefined)?.find((p) => p.what === 'console');
}
