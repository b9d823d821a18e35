/**
 * The links between command lines: a stream or socket listener and the connector that reaches it, a dgram or
 * socket-UDP pair whose local and remote addresses mirror each other. A pair becomes one VM-to-VM link that
 * compiles back to the same two backends; an end without its other end stays a netdev node as written.
 */
import type { P2pEnd } from './backends';

/** One end, where it sits: the VM and the NIC. */
export interface PlacedEnd {
  readonly vm: string;
  readonly nic: string;
  readonly end: P2pEnd;
}

/** A link between two ends, with the fields that make the compiler write both backends as they were. */
export interface PairLink {
  readonly a: PlacedEnd;
  readonly b: PlacedEnd;
  readonly fields: Record<string, unknown>;
}

const LOOPBACK = '127.0.0.1';
/** The address a connector uses for a listener on `host` (every interface is reached on loopback), as the compiler does. */
const dialHost = (host: string) => (host === '0.0.0.0' ? LOOPBACK : host);
const same = (
  x: { path?: string; host?: string; port?: number } | undefined,
  y: { path?: string; host?: string; port?: number } | undefined,
) => x !== undefined && y !== undefined && x.path === y.path && x.host === y.host && x.port === y.port;

function serverClient(server: PlacedEnd, client: PlacedEnd): PairLink | null {
  const s = server.end;
  const c = client.end;
  if (s.transport !== c.transport || s.family !== c.family || server.vm === client.vm) return null;
  const base: Record<string, unknown> = { transport: s.transport, family: s.family };
  if (s.family === 'unix') {
    if (s.addr.path !== c.addr.path) return null;
    base.path = s.addr.path;
  } else {
    if (s.addr.port !== c.addr.port || c.addr.host !== dialHost(s.addr.host ?? '')) return null;
    base.port = s.addr.port;
    if (s.addr.host !== LOOPBACK) base.host = s.addr.host;
  }
  if (s.transport === 'stream' && c.reconnectMs !== 1000) base.reconnectMs = c.reconnectMs;
  return { a: server, b: client, fields: base };
}

function peers(x: PlacedEnd, y: PlacedEnd): PairLink | null {
  const a = x.end;
  const b = y.end;
  if (a.transport !== b.transport || a.family !== b.family || x.vm === y.vm) return null;
  if (!same(a.addr, b.remote) || !same(a.remote, b.addr)) return null;
  const fields: Record<string, unknown> = { transport: a.transport, family: a.family };
  if (a.family === 'unix') {
    fields.path = a.addr.path;
    fields.peerPath = b.addr.path;
    return { a: x, b: y, fields };
  }
  // The compiler binds both sides on one address and sends to where that address is reached.
  const host = a.addr.host ?? '';
  if (b.addr.host !== host || a.remote?.host !== dialHost(host) || b.remote?.host !== dialHost(host)) return null;
  fields.port = a.addr.port;
  fields.peerPort = b.addr.port;
  if (host !== LOOPBACK) fields.host = host;
  return { a: x, b: y, fields };
}

/** Pair the ends in text order: each listener with the first connector that reaches it, each dgram end with its mirror. */
export function pairEnds(ends: readonly PlacedEnd[]): { links: PairLink[]; alone: PlacedEnd[] } {
  const links: PairLink[] = [];
  const taken = new Set<PlacedEnd>();
  for (const x of ends) {
    if (taken.has(x) || x.end.role === 'client') continue;
    for (const y of ends) {
      if (y === x || taken.has(y)) continue;
      const link =
        x.end.role === 'server'
          ? y.end.role === 'client'
            ? serverClient(x, y)
            : null
          : y.end.role === 'peer'
            ? peers(x, y)
            : null;
      if (!link) continue;
      links.push(link);
      taken.add(x).add(y);
      break;
    }
  }
  return { links, alone: ends.filter((e) => !taken.has(e)) };
}
