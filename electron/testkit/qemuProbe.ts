import { spawnSync } from 'node:child_process';

/** The installed QEMU's version, from `<binary> --version`. */
export function qemuVersion(binary = 'qemu-system-x86_64'): { major: number; minor: number } {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const m = /version (\d+)\.(\d+)/.exec(r.stdout ?? '');
  if (!m) throw new Error(`cannot read the version of ${binary}: ${r.error?.message ?? r.stderr}`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/** The backends of `<binary> -netdev help` (the lines after "Available netdev backend types:"). */
export function netdevBackends(binary = 'qemu-system-x86_64'): string[] {
  const r = spawnSync(binary, ['-netdev', 'help'], { encoding: 'utf8' });
  const lines = (r.stdout ?? '').split('\n').map((l) => l.trim());
  const at = lines.findIndex((l) => l.startsWith('Available netdev backend types'));
  if (at < 0) throw new Error(`${binary} -netdev help printed no backend list: ${r.stderr}`);
  return lines.slice(at + 1).filter((l) => /^[a-z][a-z0-9-]*$/.test(l));
}

/** The programs of `names` that are not installed (not on PATH, nor in /usr/sbin or /sbin). */
export function missingPrograms(names: readonly string[]): string[] {
  return names.filter(
    (n) =>
      spawnSync('sh', ['-c', `command -v "$1" || test -x "/usr/sbin/$1" || test -x "/sbin/$1"`, 'sh', n]).status !== 0,
  );
}
