/** Looking at processes by pid through /proc: alive (not a zombie), and still running the argv we spawned. */
import { readdirSync, readFileSync } from 'node:fs';
import { enteredCommand } from './userns-enter';

/** True when pid runs and is not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The argv of a running process, or null when it is gone. */
export function cmdlineOf(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return text.split('\0').slice(0, -1);
  } catch {
    return null;
  }
}

/**
 * True when the raw /proc cmdline is `argv` as spawned. Programs may tokenize their own argv in place (slirpvde
 * turns "-H 10.0.2.0/24" into "10.0.2.0\0" "24"), which only ever writes NULs: so the bytes must be the same length
 * and each equal or a NUL.
 */
function matchesCmdline(raw: Buffer, argv: readonly string[]): boolean {
  const want = Buffer.from(`${argv.join('\0')}\0`, 'utf8');
  if (raw.length !== want.length) return false;
  for (let i = 0; i < raw.length; i++) if (raw[i] !== want[i] && raw[i] !== 0) return false;
  return true;
}

/**
 * True when pid is alive and runs `argv` as spawned: either as is, or (for `ip netns exec NS …` and the holder's
 * `nsenter … --`, which exec their command in the same pid) as the command after the prefix. A reused pid runs
 * something else: false.
 */
export function isOurProcess(pid: number, argv: readonly string[]): boolean {
  if (!pidAlive(pid)) return false;
  let raw: Buffer;
  try {
    raw = readFileSync(`/proc/${pid}/cmdline`);
  } catch {
    return false;
  }
  if (matchesCmdline(raw, argv)) return true;
  const entered = enteredCommand(argv);
  if (entered !== null) return matchesCmdline(raw, entered.argv);
  return argv[0] === 'ip' && argv[1] === 'netns' && argv[2] === 'exec' && matchesCmdline(raw, argv.slice(4));
}

/** Every live process running exactly `argv` (forks of a process we spawned keep its argv). */
export function processesRunning(argv: readonly string[]): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => isOurProcess(pid, argv));
}
