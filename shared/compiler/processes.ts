import type { VdeNode } from '../model/schema';
import type { ProcessPlan, VmPlan } from './plan';
import type { Ctx } from './context';
import { checkUnixPath, useBackend } from './context';
import { slirpvdeProcessId, vdeProcessId, vmProcessId } from './derive';

function vdes(ctx: Ctx): VdeNode[] {
  return [...ctx.graph.nodes.values()]
    .filter((n): n is VdeNode => n.kind === 'vde')
    .sort((x, y) => (x.id < y.id ? -1 : 1));
}

/** Give every VDE switch its control directory (its own `sock`, else `<lab>/<id>.vde`) and check its socket paths. */
export function assignVdeDirs(ctx: Ctx): void {
  for (const n of vdes(ctx)) {
    const dir = n.sock ?? `${ctx.labDir}/${n.id}.vde`;
    ctx.vdeDirs.set(n.id, dir);
    // vde_switch listens on DIR/ctl and gives each port a socket DIR/NNN.xxxxx: check the longest likely one.
    checkUnixPath(ctx, `${dir}/ctl`, `VDE switch ${n.id}`, { nodes: [n.id] });
  }
}

/**
 * The switch processes: each used VDE switch in the foreground (it exits when stdin closes, so stdin is held open),
 * ready when its control socket exists, then its slirpvde (same stdin rule) after it.
 */
export function switchProcesses(ctx: Ctx): ProcessPlan[] {
  const out: ProcessPlan[] = [];
  for (const n of vdes(ctx)) {
    if (!ctx.graph.nodeLinks.has(n.id)) continue;
    const dir = ctx.vdeDirs.get(n.id) ?? '';
    const argv = ['vde_switch', '-s', dir, '-n', String(n.ports)];
    if (n.hub) argv.push('-x');
    const id = vdeProcessId(n.id);
    out.push({
      id,
      kind: 'vde_switch',
      node: n.id,
      argv,
      dependsOn: [],
      ready: { type: 'path', path: `${dir}/ctl` },
      holdStdin: true,
      stderrLog: `${ctx.labDir}/${id}.log`,
    });
    if (n.slirp) {
      useBackend(ctx, 'vde', n.id);
      const s = ['slirpvde', '-s', dir];
      if (n.slirp.dhcp) s.push('-D');
      if (n.slirp.network !== undefined) s.push('-H', n.slirp.network);
      const sid = slirpvdeProcessId(n.id);
      out.push({
        id: sid,
        kind: 'slirpvde',
        node: n.id,
        argv: s,
        dependsOn: [id],
        ready: { type: 'none' },
        holdStdin: true,
        stderrLog: `${ctx.labDir}/${sid}.log`,
      });
    }
  }
  return out;
}

/** One process per VM, argv identical to the VM plan, ready when its QMP socket answers, after what it waits for. */
export function vmProcesses(ctx: Ctx, vms: readonly VmPlan[]): ProcessPlan[] {
  return vms.map((vm) => {
    const id = vmProcessId(vm.node);
    const deps = [...(ctx.vmDeps.get(vm.node) ?? [])].filter((d) => d !== id).sort();
    return {
      id,
      kind: 'vm',
      node: vm.node,
      argv: vm.argv,
      dependsOn: deps,
      ready: { type: 'qmp', socket: vm.qmp },
      holdStdin: false,
      pidfile: vm.pidfile,
      stderrLog: `${ctx.labDir}/${vm.node}.stderr.log`,
      ...(vm.env ? { env: vm.env } : {}),
    };
  });
}
