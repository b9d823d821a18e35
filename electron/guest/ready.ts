/** What the tiny guest's init reports once its network is configured. */
export interface GuestReady {
  readonly hostname: string;
  /** Address/prefix per interface index (eth<N>, in bus order); undefined for an interface with no IPv4 address. */
  readonly interfaces: readonly (string | undefined)[];
}

/** The marker that starts the tiny guest's one ready line on its serial console. */
export const READY_MARKER = 'QNET-READY';

/** Parses a `QNET-READY hostname=a if0=10.0.9.1/24 if1=-` line (surrounding text ignored); undefined if it is not one. */
export function parseReadyLine(line: string): GuestReady | undefined {
  const at = line.indexOf(`${READY_MARKER} `);
  if (at < 0) return undefined;
  let hostname: string | undefined;
  const interfaces: (string | undefined)[] = [];
  for (const word of line
    .slice(at + READY_MARKER.length)
    .trim()
    .split(/\s+/)) {
    const eq = word.indexOf('=');
    const key = word.slice(0, eq);
    const value = word.slice(eq + 1);
    if (key === 'hostname') hostname = value;
    const index = /^if(\d+)$/.exec(key)?.[1];
    if (index !== undefined) interfaces[Number(index)] = value === '-' ? undefined : value;
  }
  return hostname === undefined ? undefined : { hostname, interfaces };
}

/** The kernel command line words that configure the tiny guest (after `console=`, which the machine decides). */
export function guestKernelArgs(config: {
  readonly hostname?: string;
  readonly interfaces?: readonly ({ readonly address: string | 'dhcp'; readonly gateway?: string } | undefined)[];
  readonly quiet?: boolean;
}): string[] {
  const args: string[] = [];
  if (config.hostname) args.push(`qnet.hostname=${config.hostname}`);
  config.interfaces?.forEach((nic, n) => {
    if (!nic) return;
    args.push(`qnet.if${n}=${nic.address}`);
    if (nic.gateway) args.push(`qnet.gw${n}=${nic.gateway}`);
  });
  if (config.quiet) args.push('quiet');
  return args;
}
