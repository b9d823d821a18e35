/**
 * Socket backends (socket, stream, dgram) as ends of VM-to-VM links to pair across command lines, or a multicast
 * segment; whatever a link cannot reproduce exactly stays as written.
 */
import { asWritten, at, IPV4, typed, type Addr, type Candidate, type ClassifyScope } from './candidates';
import type { NetdevDef } from './netparse';
import { bool, first, type Item } from './optvalue';

function hostPort(text: string | undefined): { host: string; port: number } | null {
  if (text === undefined) return null;
  const colon = text.lastIndexOf(':');
  if (colon < 0) return null;
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: text.slice(0, colon), port };
}

function mcastNode(
  s: ClassifyScope,
  def: NetdevDef,
  group: string,
  port: number,
  transport: 'socket' | 'dgram',
  localAddr?: string,
): Candidate {
  const n = { kind: 'mcast' as const, group, port, transport, ...(localAddr !== undefined ? { localAddr } : {}) };
  return typed(s, def, n, 'mcast', `mcast\u0000${transport}\u0000${group}:${port}\u0000${localAddr ?? ''}`);
}

export function socket(s: ClassifyScope, def: NetdevDef): Candidate {
  const keys = def.items
    .map((i) => i.key)
    .sort()
    .join(',');
  const listen = first(def.items, 'listen');
  const connect = first(def.items, 'connect');
  const mcast = first(def.items, 'mcast');
  const udp = first(def.items, 'udp');
  const fd = def.items.find((i) => i.key === 'fd');
  if (fd) {
    s.report.add(
      'IMPORT_FD',
      `${s.vm}: socket fd=${fd.value} is a descriptor a parent process opened; it cannot be reproduced`,
      ...at(def, fd),
      [s.vm],
    );
    return asWritten(s, def, 'its socket was passed by a parent process');
  }
  if (mcast !== undefined && (keys === 'mcast' || keys === 'localaddr,mcast')) {
    const g = hostPort(mcast);
    if (g) return mcastNode(s, def, g.host, g.port, 'socket', first(def.items, 'localaddr'));
  }
  const addr = hostPort(listen ?? connect);
  if (addr && (keys === 'listen' || keys === 'connect') && (addr.host === '' || IPV4.test(addr.host))) {
    const role = listen !== undefined ? 'server' : 'client';
    return {
      kind: 'p2p',
      transport: 'socket',
      family: 'inet',
      role,
      addr: { host: addr.host === '' ? '0.0.0.0' : addr.host, port: addr.port },
      def,
    };
  }
  const local = hostPort(first(def.items, 'localaddr'));
  const remote = hostPort(udp);
  if (keys === 'localaddr,udp' && local && remote && IPV4.test(local.host) && IPV4.test(remote.host)) {
    return { kind: 'p2p', transport: 'socket-udp', family: 'inet', role: 'peer', addr: local, remote, def };
  }
  return asWritten(s, def, 'no other end of this socket is in the text, or it has options a link does not set');
}

/** A stream/dgram address (`addr`, `local`, `remote`), when a link can reproduce it exactly. */
function sockAddr(items: readonly Item[], prefix: string): { family: 'unix' | 'inet'; addr: Addr } | null | undefined {
  const mine = items.filter((i) => i.key.startsWith(`${prefix}.`));
  if (mine.length === 0) return undefined;
  const get = (k: string) => first(mine, `${prefix}.${k}`);
  const keys = mine
    .map((i) => i.key.slice(prefix.length + 1))
    .sort()
    .join(',');
  if (get('type') === 'unix' && keys === 'path,type' && get('path')!.startsWith('/'))
    return { family: 'unix', addr: { path: get('path') as string } };
  const port = Number(get('port'));
  if (get('type') === 'inet' && keys === 'host,port,type' && IPV4.test(get('host') ?? '') && Number.isInteger(port))
    return { family: 'inet', addr: { host: get('host') as string, port } };
  return null;
}

export function stream(s: ClassifyScope, def: NetdevDef): Candidate {
  const server = bool(first(def.items, 'server') ?? 'off');
  const a = sockAddr(def.items, 'addr');
  const retry = first(def.items, 'reconnect-ms');
  const retrySec = first(def.items, 'reconnect');
  const known = new Set(['server', 'reconnect-ms', 'reconnect']);
  const extra = def.items.filter((i) => !i.key.startsWith('addr.') && !known.has(i.key));
  if (a && server !== null && extra.length === 0 && !(server && (retry !== undefined || retrySec !== undefined))) {
    const reconnectMs = retry !== undefined ? Number(retry) : retrySec !== undefined ? Number(retrySec) * 1000 : 0;
    if (Number.isInteger(reconnectMs) && reconnectMs >= 0) {
      return {
        kind: 'p2p',
        transport: 'stream',
        family: a.family,
        role: server ? 'server' : 'client',
        addr: a.addr,
        ...(server ? {} : { reconnectMs }),
        def,
      };
    }
  }
  return asWritten(s, def, 'no other end of this stream is in the text, or it has options a link does not set');
}

const isMulticast = (host: string | undefined) => /^(22[4-9]|23\d)\./.test(host ?? '');

export function dgram(s: ClassifyScope, def: NetdevDef): Candidate {
  const other = def.items.filter((i) => !i.key.startsWith('local.') && !i.key.startsWith('remote.'));
  if (def.items.some((i) => i.key === 'local.type' && i.value === 'fd')) {
    s.report.add(
      'IMPORT_FD',
      `${s.vm}: dgram local.type=fd is a descriptor a parent process opened; it cannot be reproduced`,
      ...at(def),
      [s.vm],
    );
  }
  const remoteHost = first(def.items, 'remote.host');
  if (other.length === 0 && first(def.items, 'remote.type') === 'inet' && isMulticast(remoteHost)) {
    const port = Number(first(def.items, 'remote.port'));
    const local = def.items.filter((i) => i.key.startsWith('local.'));
    const localHost = first(local, 'local.host');
    const plainLocal =
      local.length === 0 ||
      (local.length === 3 &&
        first(local, 'local.type') === 'inet' &&
        first(local, 'local.port') === '0' &&
        localHost !== undefined);
    const remoteKeys = def.items.filter((i) => i.key.startsWith('remote.')).length;
    if (plainLocal && remoteKeys === 3 && Number.isInteger(port))
      return mcastNode(s, def, remoteHost as string, port, 'dgram', localHost);
  }
  const local = sockAddr(def.items, 'local');
  const remote = sockAddr(def.items, 'remote');
  if (other.length === 0 && local && remote && local.family === remote.family) {
    return {
      kind: 'p2p',
      transport: 'dgram',
      family: local.family,
      role: 'peer',
      addr: local.addr,
      remote: remote.addr,
      def,
    };
  }
  return asWritten(s, def, 'no other end of this dgram socket is in the text, or it has options a link does not set');
}
