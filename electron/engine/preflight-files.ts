/** Preflight: boot files exist; vhost-user backends listen; vDPA devices exist. */
import { existsSync, statSync } from 'node:fs';
import type { Diagnostic } from '../../shared/compiler/plan';
import type { PreflightContext } from './preflight';
import { pdiag } from './preflight-diag';
import { optionValues, optValue, parseQemuOpts } from './qemu-args';

/** Kernel, initrd, dtb, disk images and cdroms of every guest exist; a missing tiny guest says how to build it. */
export function checkBootFiles(ctx: PreflightContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const vm of ctx.plan.vms) {
    const node = ctx.topology.nodes.find((n) => n.id === vm.node);
    if (node?.kind !== 'vm') continue;
    const files: [string, string][] = [];
    for (const flag of ['-kernel', '-initrd', '-dtb', '-cdrom']) for (const p of optionValues(vm.argv, flag)) files.push([flag.slice(1), p]);
    for (const d of optionValues(vm.argv, '-drive')) {
      const file = optValue(parseQemuOpts(d), 'file');
      if (file !== undefined) files.push(['disk image', file]);
    }
    const missing = files.filter(([, p]) => !existsSync(p));
    if (missing.length === 0) continue;
    if (node.boot.type === 'tiny') {
      const arch = node.arch === 'x86_64' ? '' : ` --arch ${node.arch}`;
      out.push(
        pdiag('PREFLIGHT_TINY_GUEST_MISSING', `${vm.node} boots the tiny guest, which is not built for ${node.arch} (no ${missing[0]?.[1]}): run qnet guest build${arch}`, {
          nodes: [vm.node],
          fix: `qnet guest build${arch}`,
        }),
      );
      continue;
    }
    for (const [what, p] of missing) {
      out.push(pdiag('PREFLIGHT_BOOT_FILE_MISSING', `${vm.node}: the ${what} ${p} does not exist: fix the path in its boot settings`, { nodes: [vm.node], fix: `Fix the ${what} path of ${vm.node}` }));
    }
  }
  return out;
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

const usedBy = (ctx: PreflightContext, text: string) => ctx.plan.vms.filter((vm) => vm.argv.some((a) => a.includes(text))).map((vm) => vm.node);

/** A vhost-user node in client mode needs its backend's socket; a vdpa node needs its device. */
export function checkVhostBackends(ctx: PreflightContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const n of ctx.topology.nodes) {
    if (n.kind === 'vhost-user' && n.mode === 'client') {
      const vms = usedBy(ctx, n.socket);
      if (vms.length === 0) continue;
      if (!isSocket(n.socket)) {
        out.push(
          pdiag('PREFLIGHT_VHOST_USER_BACKEND', `no vhost-user backend listening at ${n.socket} (node ${n.id}): start your switch (e.g. DPDK, snabb, vhost-user-bridge) first`, {
            nodes: [n.id, ...vms],
            fix: `Start the vhost-user backend at ${n.socket}`,
          }),
        );
      }
    }
    if (n.kind === 'vdpa') {
      const vms = usedBy(ctx, n.vhostdev);
      if (vms.length === 0 || existsSync(n.vhostdev)) continue;
      out.push(
        pdiag('PREFLIGHT_VDPA_DEVICE', `no vDPA device at ${n.vhostdev} (node ${n.id}): load vdpa_sim/vhost_vdpa (sudo modprobe vdpa_sim_net vhost_vdpa, then sudo vdpa dev add name vdpa0 mgmtdev vdpasim_net) or pass a real device`, {
          nodes: [n.id, ...vms],
          fix: 'sudo modprobe vdpa_sim_net vhost_vdpa',
        }),
      );
    }
  }
  return out;
}
