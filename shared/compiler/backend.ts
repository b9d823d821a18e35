import type { OptPair } from './qemuopts';
import { qopts } from './qemuopts';

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
}

/** A backend with the usual defaults. */
export function backend(type: string, opts: readonly OptPair[], more: Partial<Omit<Backend, 'type' | 'opts'>> = {}): Backend {
  return { type, opts, pre: [], modern: false, hostNetwork: true, queues: 1, needsVirtio: null, shareMem: false, ...more };
}

/** The `-netdev` value of a backend with id `id`. */
export function netdevValue(b: Backend, id: string): string {
  return qopts(b.type, [['id', id], ...b.opts]);
}
