import { spawnSync } from 'node:child_process';
import { Arch } from '../../shared/model/schema';
import { standardQemu } from '../../shared/model/trust';
import type { ChosenQemu } from '../../shared/compiler/target';

/** Parses `-nic model=help` output: the names listed after "Supported NIC models:" / "Available NIC models…". */
export function parseNicModelHelp(text: string): string[] {
  const lines = text.split('\n').map((l) => l.trim());
  const start = lines.findIndex((l) => /NIC models.*:$/.test(l));
  if (start < 0) return [];
  // QEMU 10.0 names the default model's alias beside it: `virtio-net-pci (aka virtio)`.
  return lines.slice(start + 1).flatMap((l) => {
    const m = /^([A-Za-z0-9_.-]+)(?: \(aka ([A-Za-z0-9_.-]+)\))?$/.exec(l);
    return m ? [m[1]!, ...(m[2] ? [m[2]] : [])] : [];
  });
}

const MACHINE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The architecture and machine type of an `<arch>/<machine>` pair, or null when it is not one. */
export function parsePair(pair: string): { arch: Arch; machine: string } | null {
  const [arch, machine, ...rest] = pair.split('/');
  const a = Arch.safeParse(arch);
  if (!a.success || machine === undefined || !MACHINE.test(machine) || rest.length > 0) return null;
  return { arch: a.data, machine };
}

const cache = new Map<string, string[]>();

/**
 * The NIC models the installed QEMU of `arch` offers on `machine` (`-M MACHINE -nic model=help`), asked once per
 * process; empty when the binary is missing or its answer cannot be read (unknown: the compiler accepts any model).
 * The standard `qemu-system-<arch>` or the user's chosen QEMU, never a VM's own `binary`: reading a file must not
 * run a program it names.
 */
export function probeNicModels(arch: Arch, machine: string, chosen?: ChosenQemu): string[] {
  // microvm has no on-board NIC table: QEMU ignores the question and boots (its NICs are virtio-mmio anyway).
  if (machine === 'microvm' || !MACHINE.test(machine)) return [];
  // The user's chosen QEMU (--qemu) is asked with what it needs to run from where it is.
  const binary = chosen?.binaries[arch] ?? standardQemu(arch);
  const data = chosen?.binaries[arch] ? chosen.dataDirs.flatMap((d) => ['-L', d]) : [];
  const env = chosen?.binaries[arch] ? chosen.env : {};
  const key = `${binary} ${arch}/${machine}`;
  const hit = cache.get(key);
  if (hit) return hit;
  // A machine that cannot answer would start a guest instead: no display, paused, and a short leash.
  const r = spawnSync(binary, [...data, '-M', machine, '-display', 'none', '-S', '-nic', 'model=help'], {
    encoding: 'utf8',
    timeout: 3_000,
    env: { ...process.env, ...env },
  });
  const models = r.status === 0 ? parseNicModelHelp(`${r.stdout}`) : [];
  cache.set(key, models);
  return models;
}

/**
 * The `<arch>/<machine>` pairs probed at start-up; others are probed when the page first uses them. Not microvm:
 * QEMU 7.2 ignores `-nic model=help` there and boots until the probe's timeout.
 */
export const COMMON_PAIRS = ['x86_64/q35', 'x86_64/pc', 'aarch64/virt', 'riscv64/virt'];

/** NIC models per pair and QEMU (the installed one, or a chosen one), probed once each. */
export class NicModelCache {
  readonly common = COMMON_PAIRS;
  private readonly models = new Map<string, Map<string, readonly string[]>>();
  constructor(
    private readonly probe: (arch: Arch, machine: string, chosen?: ChosenQemu) => readonly string[] = probeNicModels,
  ) {}

  private of(chosen: ChosenQemu | undefined): Map<string, readonly string[]> {
    const key = chosen ? JSON.stringify(chosen.binaries) : '';
    let hit = this.models.get(key);
    if (!hit) this.models.set(key, (hit = new Map()));
    return hit;
  }

  /** The models of `arch/machine` on that QEMU (default the installed one), or null when the pair is not a valid one. */
  get(pair: string, chosen?: ChosenQemu): readonly string[] | null {
    const p = parsePair(pair);
    if (p === null) return null;
    const key = `${p.arch}/${p.machine}`;
    const models = this.of(chosen);
    let hit = models.get(key);
    if (!hit) models.set(key, (hit = this.probe(p.arch, p.machine, chosen)));
    return hit;
  }

  /** Every pair probed so far on that QEMU (empty: unknown). */
  known(chosen?: ChosenQemu): Record<string, readonly string[]> {
    return Object.fromEntries(this.of(chosen));
  }
}
