import { spawnSync } from 'node:child_process';
import type { Topology } from '../../shared/model';
import { machineInfo } from '../../shared/compiler/machine';
import { standardQemu } from '../../shared/model/trust';

/** Parses `-nic model=help` output: the names listed after "Supported NIC models:" / "Available NIC models…". */
export function parseNicModelHelp(text: string): string[] {
  const lines = text.split('\n').map((l) => l.trim());
  const start = lines.findIndex((l) => /NIC models.*:$/.test(l));
  if (start < 0) return [];
  return lines.slice(start + 1).filter((l) => /^[A-Za-z0-9_.-]+$/.test(l));
}

/**
 * Asks the installed QEMU which NIC models each `<arch>/<machine>` of a topology can create. Pairs whose binary is
 * missing or whose answer cannot be read are left out (unknown: the compiler accepts any model there). Always the
 * standard `qemu-system-<arch>`, never a VM's own `binary`: reading a file must not run a program it names.
 */
export function probeNicModels(topology: Topology): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const node of topology.nodes) {
    if (node.kind !== 'vm') continue;
    const machine = machineInfo(node).type;
    const key = `${node.arch}/${machine}`;
    if (key in out) continue;
    // microvm has no on-board NIC table: QEMU ignores the question and boots (its NICs are virtio-mmio anyway).
    if (machine === 'microvm') continue;
    const binary = standardQemu(node.arch);
    // A machine that cannot answer would start a guest instead: no display, paused, and a short leash.
    const r = spawnSync(binary, ['-M', machine, '-display', 'none', '-S', '-nic', 'model=help'], { encoding: 'utf8', timeout: 3_000 });
    const models = r.status === 0 ? parseNicModelHelp(`${r.stdout}`) : [];
    if (models.length) out[key] = models;
  }
  return out;
}
