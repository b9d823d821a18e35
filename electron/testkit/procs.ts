import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** True when pid runs and is not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

/** The argv of a running process, or null. */
export function argvOf(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '');
  } catch {
    return null;
  }
}

/** Live (non-zombie) processes, other than this one, with an argument that contains `needle`. */
export function processesMentioning(needle: string): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const argv = argvOf(pid);
    if (argv && argv.some((a) => a.includes(needle)) && pidAlive(pid)) out.push({ pid, argv });
  }
  return out;
}

/** SIGKILL each pid (by pid, never by name); ignores ones already gone. */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The pid written in a pidfile, or null. */
export function readPidfile(path: string): number | null {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/** Pids of the processes writing `file` as their stdout (a capture tool started for it). */
export function writersOf(file: string): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/1`) === file) pids.push(Number(pid));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}
