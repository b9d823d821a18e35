/**
 * Whether this kernel has the netem qdisc (sch_netem): asked of tc in a throwaway user + network namespace of our
 * own (no root, nothing touched), adding netem to its loopback. A missing qdisc is the kernel's "Specified qdisc
 * kind is unknown"; anything else (no tc, no unshare, namespaces refused) leaves the answer unknown.
 */
import { spawnSync } from 'node:child_process';

let answer: boolean | undefined | null = null;

/** True or false as the kernel answers, undefined when it could not be asked; asked once per process. */
export function probeNetem(env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  if (answer !== null) return answer;
  const r = spawnSync('unshare', ['-Urn', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], {
    env,
    encoding: 'utf8',
    timeout: 5000,
  });
  if (r.status === 0) answer = true;
  else if (/qdisc kind is unknown/i.test(r.stderr ?? '')) answer = false;
  else answer = undefined;
  return answer;
}
