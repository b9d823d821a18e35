import type { OptPair } from '../qemuopts';
import { qopts } from '../qemuopts';

/**
 * A netdev as the compiler plans it, before it is given an id and a frontend: its type, its options, argv that must
 * precede it (a vhost-user chardev), and the facts the frontend and the hub checks need.
 */
export interface Backend {
  /** The `-netdev` type (user, tap, stream, …). */
  readonly type: string;
  /** Options after `id=`. */
  readonly opts: readonly OptPair[];
  /** Arguments that must come before the netdev (e.g. `-chardev socket,…`). */
  readonly pre: readonly string[];
  /** stream/dgram: only the `-netdev` form can express them. */
  readonly modern: boolean;
  /** Counts as "host network" for QEMU's hub check (user, tap, bridge, socket, stream, dgram, vde, vhost-user). */
  readonly hostNetwork: boolean;
  /** Queue pairs (multiqueue tap, vhost-user): the virtio frontend then needs `mq=on`. */
  readonly queues: number;
  /** Why the frontend must be virtio-net (`vhost=on`, `vhost-user`, `vhost-vdpa`), else null. */
  readonly needsVirtio: string | null;
  /** Guest memory must be shareable (vhost-user). */
  readonly shareMem: boolean;
  /** The node its hostfwd ports are named after (a nat node); else the guest. */
  readonly portOwner?: string;
}

/** A backend with the usual defaults. */
export function backend(
  type: string,
  opts: readonly OptPair[],
  more: Partial<Omit<Backend, 'type' | 'opts'>> = {},
): Backend {
  return {
    type,
    opts,
    pre: [],
    modern: false,
    hostNetwork: true,
    queues: 1,
    needsVirtio: null,
    shareMem: false,
    ...more,
  };
}

/** A node's or NIC's verbatim options as pairs: booleans as on/off, a list as the key repeated. */
export function moreOpts(
  options: Readonly<Record<string, string | number | boolean | readonly (string | number | boolean)[]>> | undefined,
): OptPair[] {
  if (options === undefined) return [];
  const out: OptPair[] = [];
  const one = (k: string, v: string | number | boolean) =>
    out.push([k, typeof v === 'boolean' ? (v ? 'on' : 'off') : v]);
  for (const [k, v] of Object.entries(options)) {
    if (Array.isArray(v)) for (const x of v as readonly (string | number | boolean)[]) one(k, x);
    else one(k, v as string | number | boolean);
  }
  return out;
}

const isMulticast = (host: string | undefined) => host !== undefined && /^2(2[4-9]|3\d)\./.test(host);

/** A short label of how a backend realizes a link: `tap qn1a03`, `stream`, `mcast 230.0.0.1:1234`, `hubport (hub 0)`. */
export function backendLabel(b: Backend): string {
  const opt = (key: string) => {
    const pair = b.opts.find(([k, v]) => k === key && v !== undefined);
    return pair === undefined ? undefined : String(pair[1]);
  };
  if (b.type === 'tap' || b.type === 'bridge') {
    const name = opt('ifname') ?? opt('br');
    return name ? `${b.type} ${name}` : b.type;
  }
  if (b.type === 'socket') {
    const mcast = opt('mcast');
    if (mcast) return `mcast ${mcast}`;
    return opt('listen') ? 'socket listen' : opt('connect') ? 'socket connect' : 'socket';
  }
  if (b.type === 'dgram' && isMulticast(opt('remote.host'))) return `mcast ${opt('remote.host')}:${opt('remote.port')}`;
  // The hub's number, as QEMU's own messages name it ("hub 0 is not connected to host network").
  if (b.type === 'hubport' && opt('hubid') !== undefined) return `hubport (hub ${opt('hubid')})`;
  return b.type;
}

/** The `-netdev` value of a backend with id `id`. */
export function netdevValue(b: Backend, id: string): string {
  return qopts(b.type, [['id', id], ...b.opts]);
}
