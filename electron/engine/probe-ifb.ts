/**
 * Whether this kernel can shape what a guest sends: an ifb device (module ifb), a tap's ingress qdisc, a u32 filter
 * and the mirred action redirecting to the ifb, all tried in a throwaway user + network namespace of our own (no
 * root, nothing touched). A missing part is the kernel's refusal at its step; anything else (no ip or tc, no
 * unshare, namespaces refused, no /dev/net/tun) leaves the answer unknown.
 */
import { spawnSync } from 'node:child_process';

/** One shell script of fixed words: each step's failure exits with its own code, so the answer names the part. */
const SCRIPT = [
  'ip link add qnet-ifb type ifb || exit 10',
  'ip tuntap add dev qnet-tap mode tap || exit 20',
  'tc qdisc add dev qnet-tap ingress || exit 11',
  'tc filter add dev qnet-tap parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev qnet-ifb || exit 12',
].join('\n');

let answer: boolean | undefined | null = null;

/** True or false as the kernel answers, undefined when it could not be asked; asked once per process. */
export function probeIfb(env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  if (answer !== null) return answer;
  const r = spawnSync('unshare', ['-Urn', 'sh', '-c', SCRIPT], { env, encoding: 'utf8', timeout: 5000 });
  if (r.status === 0) answer = true;
  else if (r.status === 10 || r.status === 11 || r.status === 12) answer = false;
  else answer = undefined;
  return answer;
}
