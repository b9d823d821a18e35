/**
 * Ports a topology publishes on the host (a bridge's or a NAT node's hostfwd). One on a loopback address from port
 * 1024 up reaches only this host's own users; one on any other address lets other machines in, and one below 1024
 * takes a port only root may bind (a netns lab's pasta runs as root): both need the user's approval.
 */
import type { HostFwd } from './schema';

const isLoopback = (addr: string): boolean => /^127\./.test(addr);
const isPrivileged = (port: number): boolean => port > 0 && port < 1024;

/** What a published port does when it needs approval ("opens the host's TCP port 8080 on …"), else null. */
export function hostfwdWhat(fwd: HostFwd): string | null {
  const loopback = isLoopback(fwd.hostAddr);
  const privileged = isPrivileged(fwd.hostPort);
  if (loopback && !privileged) return null;
  const where = fwd.hostAddr === '0.0.0.0' ? 'every host address (0.0.0.0)' : `the host address ${fwd.hostAddr}`;
  const to = fwd.guestAddr === undefined ? `port ${fwd.guestPort} of the guest` : `${fwd.guestAddr}:${fwd.guestPort}`;
  return (
    `opens the host's ${privileged ? 'privileged ' : ''}${fwd.proto.toUpperCase()} port ${fwd.hostPort} on ${where} ` +
    `to ${to} in the lab${loopback ? '' : ', where other machines can reach it'}`
  );
}

/** The value a published port is shown as: `tcp 0.0.0.0:8080`. */
export function hostfwdValue(fwd: HostFwd): string {
  return `${fwd.proto} ${fwd.hostAddr}:${fwd.hostPort}`;
}

/**
 * A verbatim `-netdev user` hostfwd rule (`[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport`) that needs approval,
 * else null. QEMU binds an empty host address on every address, so only an explicit loopback one from 1024 up passes.
 */
export function rawHostfwdWhat(rule: string): string | null {
  const m = /^(tcp|udp)?:(127\.\d{1,3}\.\d{1,3}\.\d{1,3}):(\d{1,5})-/.exec(rule);
  if (m !== null && !isPrivileged(Number(m[3]))) return null;
  return `publishes a guest port on the host as hostfwd=${rule} (only a loopback port from 1024 up needs no approval)`;
}

/** The host side of a verbatim guestfwd rule (`[tcp]:server:port-target`): what follows the first `-`. */
export function rawGuestfwdTarget(rule: string): string {
  const dash = rule.indexOf('-');
  return dash < 0 ? rule : rule.slice(dash + 1);
}
