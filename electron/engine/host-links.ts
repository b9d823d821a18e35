/**
 * The network interfaces of this process's network namespace, from the kernel (`ip -j -d link show`, netlink), not
 * from /sys/class/net: sysfs shows the namespace of whoever mounted it, which is not ours under `nsenter --net` or
 * `unshare -n`, and a name check against the wrong namespace let a lab take (and then delete) a host's bridge.
 */
import { spawnSync } from 'node:child_process';

/** One interface: its name, its kind (`bridge`, `tun`, `veth`…; null for a plain device) and its bridge, if any. */
export interface HostLink {
  readonly name: string;
  readonly kind: string | null;
  readonly master: string | null;
}

/** The interfaces of this network namespace; null when `ip` cannot say (then checks that need them say so). */
export function readHostLinks(env: NodeJS.ProcessEnv = process.env): HostLink[] | null {
  const r = spawnSync('ip', ['-j', '-d', 'link', 'show'], { encoding: 'utf8', env, timeout: 10_000 });
  if (r.status !== 0) return null;
  try {
    const links = JSON.parse(r.stdout) as { ifname?: unknown; master?: unknown; linkinfo?: { info_kind?: unknown } }[];
    return links.flatMap((l) =>
      typeof l.ifname === 'string'
        ? [
            {
              name: l.ifname,
              kind: typeof l.linkinfo?.info_kind === 'string' ? l.linkinfo.info_kind : null,
              master: typeof l.master === 'string' ? l.master : null,
            },
          ]
        : [],
    );
  } catch {
    return null;
  }
}
