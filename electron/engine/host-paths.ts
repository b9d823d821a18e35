import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Arch } from '../../shared/model';

/** Where this user's labs keep sockets, logs and journals: /run/qnet for root, else the runtime dir. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  if (env.QNET_STATE_DIR) return env.QNET_STATE_DIR;
  if (uid === 0) return '/run/qnet';
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'qnet');
  return `/tmp/qnet-${uid}`;
}

/** The user's cache directory for built guests (`qnet guest build`). */
export function guestCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'qnet', 'guest');
}

/** Kernel and initramfs paths of the tiny guest for an architecture (they may not be built yet). */
export function tinyGuestPaths(arch: Arch, env: NodeJS.ProcessEnv = process.env): { kernel: string; initrd: string } {
  const dir = join(guestCacheDir(env), arch);
  return { kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initramfs.cpio.gz') };
}
