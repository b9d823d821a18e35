import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Arch } from '../../shared/model';

/**
 * Where this user's labs keep sockets, logs and journals: $QNET_STATE_DIR, else /run/qnet for root, else the
 * runtime dir ($XDG_RUNTIME_DIR/qnet), else ~/.qnet. Never a predictable name in a shared directory such as /tmp:
 * another user could make it first and hold what the labs write there (state-dir.ts refuses such a directory).
 * Home is short enough for the socket paths under it in the usual case (SOCKET_PATH_TOO_LONG says when not).
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  if (env.QNET_STATE_DIR) return env.QNET_STATE_DIR;
  if (uid === 0) return '/run/qnet';
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'qnet');
  return join(homeOf(env), '.qnet');
}

/** A short state directory of this user's, which SOCKET_PATH_TOO_LONG proposes (Target.shortStateDir). */
export function shortStateDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  if (uid === 0) return '/run/qn';
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'qn');
  return join(homeOf(env), '.qn');
}

/** The user's home: $HOME, else the password database's. */
function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME || homedir();
}

/** The user's cache directory for built guests (`qnet guest build`). */
export function guestCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'qnet', 'guest');
}

/** The user's cache directory for QEMUs `qnet qemu fetch` unpacked (`<dir>/<version>`). */
export function qemuCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'qnet', 'qemu');
}

/** Kernel and initramfs paths of the tiny guest for an architecture (they may not be built yet). */
export function tinyGuestPaths(arch: Arch, env: NodeJS.ProcessEnv = process.env): { kernel: string; initrd: string } {
  const dir = join(guestCacheDir(env), arch);
  return { kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initramfs.cpio.gz') };
}
