// The second QEMU for real: `qnet qemu fetch 10.0` (npm test's setup has run it, so this finds it in the cache and
// must not download again), resolved as a chosen QEMU, run with its own data and modules.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { qemuCacheDir } from '../engine/host-paths';
import { fetchQemu } from './fetch';
import { installArgs, resolveQemuInstall } from './install';

describe('qnet qemu fetch 10.0', () => {
  it('keeps the fetched tree, which runs as QEMU 10.0 with its own data and modules', async () => {
    const lines: string[] = [];
    const first = await fetchQemu({ version: '10.0', cacheDir: qemuCacheDir(), log: (l) => lines.push(l) });
    const again = await fetchQemu({ version: '10.0', cacheDir: qemuCacheDir(), log: (l) => lines.push(l) });
    expect(again.built).toBe(false);
    expect(again.dir).toBe(first.dir);
    expect(again.banner).toMatch(/^QEMU emulator version 10\.0\.\d+ \(Debian /);
    const install = resolveQemuInstall(first.dir);
    const x86 = install.binaries.x86_64 ?? '';
    const run = (args: string[]) =>
      spawnSync(x86, [...installArgs(install), ...args], { encoding: 'utf8', env: { ...process.env, ...install.env } });
    // Its data directories come first, before the system's 7.2 data.
    const dirs = run(['-L', 'help']).stdout.trim().split('\n');
    expect(dirs.slice(0, 2)).toEqual(install.dataDirs);
    expect(run(['-netdev', 'help']).stdout).toMatch(/stream\ndgram\n[\s\S]*vhost-user/);
    expect(install.binaries.aarch64).toBeDefined();
  });

  it('refuses a system whose libraries the backport was not built for, before any download', async () => {
    const lines: string[] = [];
    await expect(
      fetchQemu({
        version: '10.0',
        cacheDir: '/nonexistent/qnet-cache',
        log: (l) => lines.push(l),
        osRelease: 'NAME="Ubuntu"\nVERSION_CODENAME=noble\n',
      }),
    ).rejects.toThrow("built for Debian bookworm's libraries; this system is noble");
    expect(lines).toEqual([]);
  });
});
