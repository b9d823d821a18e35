/**
 * The IPv4 routes of this process's network namespace (main table), from the kernel (`ip -j route show`): what a
 * lab's bridge address would clash with.
 */
import { spawnSync } from 'node:child_process';

/** One route: its destination network (`default` for the default route) and its device. */
export interface HostRoute {
  readonly dst: string;
  readonly dev: string | null;
}

/** The routes of this network namespace; null when `ip` cannot say (then the check that needs them is skipped). */
export function readHostRoutes(env: NodeJS.ProcessEnv = process.env): HostRoute[] | null {
  const r = spawnSync('ip', ['-j', '-4', 'route', 'show'], { encoding: 'utf8', env, timeout: 10_000 });
  if (r.status !== 0) return null;
  try {
    const routes = JSON.parse(r.stdout) as { dst?: unknown; dev?: unknown }[];
    return routes.flatMap((x) =>
      typeof x.dst === 'string' ? [{ dst: x.dst, dev: typeof x.dev === 'string' ? x.dev : null }] : [],
    );
  } catch {
    return null;
  }
}
