import { spawnSync } from 'node:child_process';

export interface QemuProbe {
  readonly binary: string;
  readonly version: { readonly major: number; readonly minor: number; readonly micro: number } | null;
  readonly netdevBackends: readonly string[] | null;
}

/** Parses `QEMU emulator version 7.2.22 (…)` into numbers; null when the text is not a QEMU banner. */
export function parseQemuVersion(text: string): QemuProbe['version'] {
  const m = /QEMU emulator version (\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3] ?? 0) } : null;
}

/** Parses the list printed by `-netdev help` ("Available netdev backend types:" then one per line). */
export function parseNetdevHelp(text: string): string[] {
  const lines = text.split('\n').map((l) => l.trim());
  const start = lines.findIndex((l) => /netdev backend types/i.test(l));
  if (start < 0) return [];
  return lines.slice(start + 1).filter((l) => /^[a-z][a-z0-9-]*$/.test(l));
}

const cache = new Map<string, QemuProbe>();

/**
 * Asks a QEMU binary for its version and netdev backends; nulls when it is not installed. `env`: what a chosen QEMU
 * needs to run from where it is (QEMU_MODULE_DIR), on top of this process's.
 */
export function probeQemu(binary = 'qemu-system-x86_64', env: Readonly<Record<string, string>> = {}): QemuProbe {
  const hit = cache.get(binary);
  if (hit) return hit;
  const run = (args: string[]) =>
    spawnSync(binary, args, { encoding: 'utf8', timeout: 10_000, env: { ...process.env, ...env } });
  const v = run(['--version']);
  if (v.error || v.status !== 0) {
    const probe = { binary, version: null, netdevBackends: null };
    cache.set(binary, probe);
    return probe;
  }
  const help = run(['-netdev', 'help']);
  const backends = help.status === 0 ? parseNetdevHelp(`${help.stdout}`) : [];
  const probe = { binary, version: parseQemuVersion(v.stdout), netdevBackends: backends.length ? backends : null };
  cache.set(binary, probe);
  return probe;
}
