import { hashBase36 } from './hash';
import type { Link } from './schema';

/** A link end split into its node id and optional port (a VM's NIC id, a host's interface name). */
export interface ResolvedEndpoint {
  readonly node: string;
  readonly port?: string;
}

/** Split `node` or `node:port` into its parts; the port is everything after the first ':'. */
export function resolveEndpoint(endpoint: string): ResolvedEndpoint {
  const colon = endpoint.indexOf(':');
  if (colon < 0) return { node: endpoint };
  return { node: endpoint.slice(0, colon), port: endpoint.slice(colon + 1) };
}

/** The two ends of a link in a canonical order, so `a`/`b` swapped give the same key. */
export function linkKey(link: Pick<Link, 'a' | 'b'>): string {
  return link.a <= link.b ? `${link.a} ${link.b}` : `${link.b} ${link.a}`;
}

/**
 * The link's id: its explicit id, else `l-` and a digest of its sorted ends, stable whatever the link order in
 * the file. `index` is not part of the derived id (that would change when links are reordered); it is accepted
 * so callers can pass map() arguments directly.
 */
export function linkId(link: Pick<Link, 'a' | 'b'> & { readonly id?: string | undefined }, _index?: number): string {
  if (link.id !== undefined) return link.id;
  return `l-${hashBase36(linkKey(link), 10)}`;
}
