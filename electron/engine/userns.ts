/**
 * A rootless lab's namespace (isolation userns): one user + network namespace made by `unshare` and kept by its
 * holder, a `sleep infinity` the engine starts. Every host step and process of the lab enters it through
 * `nsenter`; ending the holder and the lab's processes ends the namespace and everything in it (bridges, taps,
 * addresses), so nothing is ever left on the host. The holder's pid and namespace go into the journal, so
 * `qnet down` ends exactly that holder after an engine died. The holder starts at a gate (as up.sh's does) and
 * becomes the holder only once the engine has journaled it: an engine killed in between leaves no holder behind.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { cmdlineOf, pidAlive } from './proc';
export { enterArgv, enteredCommand } from './userns-enter';
import { pause } from './unix-socket';

import { GATED_HOLDER_ARGV, GATED_HOLDER_COMMAND, HOLDER_ARGV, HOLDER_COMMAND } from '../../shared/compiler/enter';
export { HOLDER_ARGV, HOLDER_COMMAND };

/** argv as one string, to compare a process's command line with. */
const words = (argv: readonly string[]) => argv.join('\0');
const HELD = words(HOLDER_COMMAND);
const AT_GATE = words(GATED_HOLDER_COMMAND);

/** A running holder: its pid and the identity of its network namespace (`net:[INODE]`). */
export interface Holder {
  readonly pid: number;
  readonly net: string;
}

/** The network namespace of pid as /proc names it (`net:[4026532312]`), or null when it is gone. */
export function netnsOf(pid: number | 'self'): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return null;
  }
}

/** The real uid pid runs as, or null when it is gone. */
export function uidOf(pid: number): number | null {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * True when pid is the holder journaled: alive, the user's own, running the holder's command (or still at its gate),
 * in the namespace recorded when it started. A reused pid, or another user's or another lab's holder, is never it.
 */
export function isHolder(pid: number, net: string, uid: number = process.getuid?.() ?? 0): boolean {
  if (!pidAlive(pid) || uidOf(pid) !== uid || netnsOf(pid) !== net) return false;
  const argv = cmdlineOf(pid);
  return argv !== null && (words(argv) === HELD || words(argv) === AT_GATE);
}

export type HolderStart =
  | {
      readonly ok: true;
      readonly holder: Holder;
      /** Opens the gate, once the holder is journaled: null when it then runs the holder's command, else why not. */
      readonly release: () => Promise<string | null>;
      readonly onExit: (listener: () => void) => void;
    }
  | { readonly ok: false; readonly message: string };

/**
 * Starts a holder at its gate and waits until it sits in a namespace of its own (its pid then runs the gate in a
 * network namespace that is not ours). It waits there, reading a pipe only this engine writes to, until `release`:
 * should the engine die first, the pipe closes unread and the holder ends itself. `onExit` tells when it ends,
 * whoever ended it.
 */
export async function startHolder(env: NodeJS.ProcessEnv, timeoutMs = 5_000): Promise<HolderStart> {
  const host = netnsOf('self');
  let stderr = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitListeners: (() => void)[] = [];
  const child = spawn(GATED_HOLDER_ARGV[0], GATED_HOLDER_ARGV.slice(1), {
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true,
    env,
  });
  // A holder killed at its gate closes the pipe under a pending write: nothing to tell, its exit says it.
  child.stdin?.on('error', () => {});
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-2000);
  });
  const spawned = await new Promise<string | null>((resolve) => {
    child.once('error', (err) => resolve(err.message));
    child.once('spawn', () => resolve(null));
  });
  if (spawned !== null) return { ok: false, message: `cannot run unshare: ${spawned}` };
  child.once('exit', (code, signal) => {
    exited = { code, signal };
    child.stdin?.destroy();
    for (const l of exitListeners) l();
  });
  const pid = child.pid as number;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const net = netnsOf(pid);
    const argv = cmdlineOf(pid);
    if (net !== null && net !== host && argv !== null && words(argv) === AT_GATE) {
      child.stderr?.destroy();
      child.unref();
      const release = async (): Promise<string | null> => {
        child.stdin?.end('go\n');
        const by = Date.now() + timeoutMs;
        for (;;) {
          const now = cmdlineOf(pid);
          if (exited === null && now !== null && words(now) === HELD) return null;
          if (exited !== null || Date.now() > by) break;
          await pause(5);
        }
        if (exited === null) child.kill('SIGKILL');
        return `the lab's namespace holder (pid ${pid}) did not start ${HOLDER_COMMAND.join(' ')} once released`;
      };
      return { ok: true, holder: { pid, net }, release, onExit: (l) => (exited ? l() : exitListeners.push(l)) };
    }
    if (exited !== null || Date.now() > until) break;
    await pause(5);
  }
  child.stdin?.destroy();
  if (exited === null) child.kill('SIGKILL');
  const why =
    stderr.trim() ||
    (exited ? `it exited (${(exited as { code: number | null }).code ?? 'signal'})` : 'it did not start in time');
  return { ok: false, message: `cannot make the lab's user namespace: unshare --user --net: ${why}` };
}

/** Ends a holder (SIGKILL: it holds nothing to flush) and waits until it is gone. */
export async function endHolder(holder: Holder, timeoutMs = 3_000): Promise<boolean> {
  if (!isHolder(holder.pid, holder.net)) return true;
  try {
    process.kill(holder.pid, 'SIGKILL');
  } catch {
    return true;
  }
  const until = Date.now() + timeoutMs;
  while (pidAlive(holder.pid)) {
    if (Date.now() > until) return false;
    await pause(10);
  }
  return true;
}
