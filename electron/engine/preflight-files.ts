/** Preflight: boot files exist; vhost-user backends listen; vDPA devices exist. */
import { existsSync, statSync } from 'node:fs';
import type { Diagnostic } from '../../shared/diagnostics';
import type { PreflightContext } from './preflight';
import { pdiag } from './preflight-diag';

/** Kernel, initrd, dtb, disk images and cdroms of every guest exist; a missing tiny guest says how to build it. */
export function checkBootFiles(ctx: PreflightContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  // A UML instance boots files too: checked as a VM's are.
  const guests = [
    ...ctx.plan.vms.map((vm) => ({ node: vm.node, files: vm.bootFiles, tinyGuest: vm.tinyGuest })),
    ...ctx.plan.processes.flatMap((p) =>
      p.boot ? [{ node: p.node, files: p.boot.files, tinyGuest: p.boot.tinyGuest }] : [],
    ),
  ];
  for (const vm of guests) {
    const missing = vm.files.filter((f) => !existsSync(f.path));
    if (missing.length === 0) continue;
    // A guest of the tiny guest may have disks too: only its kernel and initramfs are the build's to make.
    const guestFile = missing.find((f) => f.what === 'kernel' || f.what === 'initrd');
    if (vm.tinyGuest !== null && guestFile !== undefined) {
      const arch = vm.tinyGuest === 'x86_64' ? '' : ` --arch ${vm.tinyGuest}`;
      out.push(
        pdiag(
          'PREFLIGHT_TINY_GUEST_MISSING',
          `${vm.node} boots the tiny guest, which is not built for ${vm.tinyGuest} (no ${guestFile.path}): run qnet guest build${arch}`,
          {
            nodes: [vm.node],
            fix: `qnet guest build${arch}`,
          },
        ),
      );
    }
    for (const { what, path: p } of missing) {
      if (vm.tinyGuest !== null && (what === 'kernel' || what === 'initrd')) continue;
      out.push(
        pdiag(
          'PREFLIGHT_BOOT_FILE_MISSING',
          `${vm.node}: the ${what} ${p} does not exist: fix the path in its ${what === 'disk image' ? 'disk' : 'boot'} settings`,
          { nodes: [vm.node], fix: `Fix the ${what} path of ${vm.node}` },
        ),
      );
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

/** A vhost-user node in client mode needs its backend's socket; a vdpa node needs its device. */
export function checkVhostBackends(ctx: PreflightContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { kind, node, path, vms } of ctx.plan.needs.backends) {
    if (kind === 'vhost-user') {
      if (!isSocket(path)) {
        out.push(
          pdiag(
            'PREFLIGHT_VHOST_USER_BACKEND',
            `no vhost-user backend listening at ${path} (node ${node}): start your switch (e.g. DPDK, snabb, vhost-user-bridge) first`,
            {
              nodes: [node, ...vms],
              fix: `Start the vhost-user backend at ${path}`,
            },
          ),
        );
      }
    } else if (!existsSync(path)) {
      out.push(
        pdiag(
          'PREFLIGHT_VDPA_DEVICE',
          `no vDPA device at ${path} (node ${node}): load vdpa_sim/vhost_vdpa (sudo modprobe vdpa_sim_net vhost_vdpa, then sudo vdpa dev add name vdpa0 mgmtdev vdpasim_net) or pass a real device`,
          {
            nodes: [node, ...vms],
            fix: 'sudo modprobe vdpa_sim_net vhost_vdpa',
          },
        ),
      );
    }
  }
  return out;
}
