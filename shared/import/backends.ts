/**
 * What each backend of a command line becomes in the drawing: a node of its kind (nat, tap, bridge, vde, mcast,
 * l2tpv3, vhost-user, vdpa) when the node reproduces it exactly, one end of a VM-to-VM link (stream, dgram, socket)
 * to be paired across command lines, or a `netdev` node that keeps it as written. Options a node does not model go
 * to its verbatim options; what cannot be kept at all is reported.
 */
import { GuestFwd, HostFwd, NETDEV_TYPES_DRAWN, NODE_SCHEMAS, type NodeKind } from '../model/schema';
import type { ChardevDef, NetdevDef } from './netparse';
import { bool, first, type Item } from './optvalue';
import type { QemuArg } from './qemuargv';
import type { Reporter } from './report';

type Options = Record<string, string | string[]>;

/** A node to draw (without its id), and the key under which command lines share one (same switch, bridge, group). */
export interface NodeCandidate {
  readonly kind: 'node';
  readonly node: Record<string, unknown> & { kind: NodeKind };
  /** Backends with the same key are one node: the same VDE directory, bridge, tap or multicast group. */
  readonly share?: string;
  /** A name to derive the node's id from. */
  readonly idHint: string;
}

/** An address of one end of a VM-to-VM link. */
export interface Addr {
  readonly path?: string;
  readonly host?: string;
  readonly port?: number;
}

/** One end of a VM-to-VM link, to be paired with its other end in another command line. */
export interface P2pEnd {
  readonly kind: 'p2p';
  readonly transport: 'stream' | 'socket' | 'dgram' | 'socket-udp';
  readonly family: 'unix' | 'inet';
  /** stream/socket: the listener or the connector; dgram/udp: a peer with a local and a remote address. */
  readonly role: 'server' | 'client' | 'peer';
  /** server/client: where it listens or connects; peer: the local address. */
  readonly addr: Addr;
  /** peer: where it sends. */
  readonly remote?: Addr;
  /** client of a stream: its retry interval in ms (0: never). */
  readonly reconnectMs?: number;
  /** The backend as written, for a netdev node when no other end is found. */
  readonly def: NetdevDef;
}

/** Nothing can be drawn for this backend (the NIC stays unlinked); already reported. */
export interface Lost {
  readonly kind: 'lost';
}

export type Candidate = NodeCandidate | P2pEnd | Lost;

/** Scope of classifying one command line's backends. */
export interface ClassifyScope {
  readonly report: Reporter;
  readonly vm: string;
  readonly chardevs: ReadonlyMap<string, ChardevDef>;
  /** Chardevs a vhost-user backend takes over (so they leave the extra arguments). */
  readonly usedChardevs: Set<QemuArg>;
}

const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Where a backend (or one of its items) was written: its value word and the index in it. */
function at(def: NetdevDef, item?: Item) {
  return [def.arg.value ?? def.arg.word, item?.at ?? 0] as const;
}

function addOption(o: Options, key: string, value: string): void {
  const prev = o[key];
  o[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
}

/** The backend kept as written: a netdev node. */
export function asWritten(s: ClassifyScope, def: NetdevDef, why: string): Candidate {
  if ((NETDEV_TYPES_DRAWN as readonly string[]).includes(def.type)) {
    s.report.add('IMPORT_UNLINKED', `${s.vm}: ${def.type} backend ${def.id} cannot be drawn (${why}), so its NIC is left unlinked`, ...at(def), [s.vm]);
    return { kind: 'lost' };
  }
  const options: Options = {};
  for (const i of def.items) {
    if (def.type === 'passt' && i.key === 'path') {
      s.report.add('IMPORT_LOST', `${s.vm}: passt path=${i.value} is left out: it names a program to run, and the lab runs the passt on PATH`, ...at(def, i), [s.vm]);
      continue;
    }
    addOption(options, i.key, i.value);
  }
  const node = { kind: 'netdev' as const, type: def.type, ...(Object.keys(options).length ? { options } : {}) };
  if (!NODE_SCHEMAS.netdev.safeParse({ id: 'x', ...node }).success) {
    s.report.add('IMPORT_UNLINKED', `${s.vm}: backend ${def.id} (${def.type}) cannot be kept as written (its type or an option name is not one QEMU takes), so its NIC is left unlinked`, ...at(def), [s.vm]);
    return { kind: 'lost' };
  }
  s.report.add('IMPORT_AS_WRITTEN', `${s.vm}: backend ${def.id} (-netdev ${def.type}) is kept as written in a netdev node: ${why}`, ...at(def), [s.vm]);
  return { kind: 'node', node, idHint: def.type };
}

/** A typed node if its schema takes it, else the backend as written. */
function typed(s: ClassifyScope, def: NetdevDef, node: Record<string, unknown> & { kind: NodeKind }, idHint: string, share?: string): Candidate {
  const check = NODE_SCHEMAS[node.kind].safeParse({ id: 'x', ...node });
  if (check.success) return { kind: 'node', node, idHint, ...(share !== undefined ? { share } : {}) };
  const issue = check.error.issues[0];
  return asWritten(s, def, `a ${node.kind} node cannot hold it (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`);
}

function hostfwd(rule: string): Record<string, unknown> | null {
  const m = /^(tcp|udp)?:([^:]*):(\d+)-([^:]*):(\d+)$/.exec(rule);
  if (!m) return null;
  return { proto: m[1] || 'tcp', hostAddr: m[2] || '0.0.0.0', hostPort: Number(m[3]), ...(m[4] ? { guestAddr: m[4] } : {}), guestPort: Number(m[5]) };
}

function guestfwd(rule: string): Record<string, unknown> | null {
  const m = /^(tcp)?:([^:]+):(\d+)-(.+)$/s.exec(rule);
  return m ? { server: m[2], port: Number(m[3]), target: m[4] } : null;
}

const NAT_FIELDS = new Set(['net', 'host', 'dhcpstart', 'dns', 'domainname', 'hostname', 'tftp', 'bootfile', 'smb']);

function user(s: ClassifyScope, def: NetdevDef): Candidate {
  const n: Record<string, unknown> & { kind: 'nat' } = { kind: 'nat' };
  const options: Options = {};
  const fwd: unknown[] = [];
  const gfwd: unknown[] = [];
  const search: string[] = [];
  let v4: boolean | null = null;
  let v6: boolean | null = null;
  for (const i of def.items) {
    if (NAT_FIELDS.has(i.key)) n[i.key] = i.value;
    else if (i.key === 'restrict') n.restrict = bool(i.value) ?? i.value;
    else if (i.key === 'ipv4') v4 = bool(i.value);
    else if (i.key === 'ipv6') v6 = bool(i.value);
    else if (i.key === 'dnssearch') search.push(i.value);
    else if (i.key === 'hostfwd') {
      const f = hostfwd(i.value);
      if (f && HostFwd.safeParse(f).success) fwd.push(f);
      else addOption(options, 'hostfwd', i.value);
    } else if (i.key === 'guestfwd') {
      const g = guestfwd(i.value);
      if (g && GuestFwd.safeParse(g).success) gfwd.push(g);
      else addOption(options, 'guestfwd', i.value);
    } else addOption(options, i.key, i.value);
  }
  // QEMU's rule: ipv6=on alone turns IPv4 off, ipv4=on alone turns IPv6 off; the node holds what takes effect.
  if (v4 !== null || v6 !== null) {
    n.ipv4 = !(v4 === false || (v4 === null && v6 === true));
    n.ipv6 = !(v6 === false || (v6 === null && v4 === true));
  }
  if (search.length) n.dnssearch = search;
  if (fwd.length) n.hostfwd = fwd;
  if (gfwd.length) n.guestfwd = gfwd;
  if (Object.keys(options).length) n.options = options;
  return typed(s, def, n, 'nat');
}

function tap(s: ClassifyScope, def: NetdevDef): Candidate {
  const helper = def.items.find((i) => i.key === 'helper');
  if (helper) {
    // A tap made by the bridge helper is -netdev bridge by another name.
    const br = first(def.items, 'br') ?? 'br0';
    s.report.add('IMPORT_LOST', `${s.vm}: tap helper=${helper.value} is read as -netdev bridge,br=${br}; the lab runs the helper its target names`, ...at(def, helper), [s.vm]);
    return bridgeNode(s, def, br);
  }
  const n: Record<string, unknown> & { kind: 'tap' } = { kind: 'tap' };
  const options: Options = {};
  let fds: Item | undefined;
  let vhost: boolean | null = null;
  let scriptReported = false;
  for (const i of def.items) {
    if (i.key === 'ifname') n.ifname = i.value;
    else if (i.key === 'vhost') vhost = bool(i.value);
    else if (i.key === 'queues') n.queues = Number(i.value);
    else if (i.key === 'script' || i.key === 'downscript') {
      if (i.value !== 'no' && i.value !== '') {
        s.report.add('IMPORT_TAP_SCRIPT', `${s.vm}: ${i.key}=${i.value} is not run: the lab makes the tap itself (and joins it to a bridge when the drawing says so)`, ...at(def, i), [s.vm]);
        scriptReported = true;
      }
    } else if (i.key === 'fd' || i.key === 'fds' || i.key === 'vhostfd' || i.key === 'vhostfds') {
      if (i.key === 'fds') fds = i;
      if (i.key === 'vhostfd' || i.key === 'vhostfds') vhost ??= true;
      s.report.add('IMPORT_FD', `${s.vm}: ${i.key}=${i.value} is a descriptor a parent process (libvirt) opened; it cannot be reproduced, so the lab makes the tap itself`, ...at(def, i), [s.vm]);
    } else if (i.key === 'br') s.report.add('IMPORT_LOST', `${s.vm}: br=${i.value} only counts with helper=, and is left out`, ...at(def, i), [s.vm]);
    else addOption(options, i.key, i.value);
  }
  const noScript = def.items.some((i) => i.key === 'script' && (i.value === 'no' || i.value === ''));
  const fdGiven = def.items.some((i) => i.key === 'fd' || i.key === 'fds');
  if (!noScript && !fdGiven && !scriptReported) {
    s.report.add('IMPORT_TAP_SCRIPT', `${s.vm}: QEMU would run its default /etc/qemu-ifup for this tap; the lab makes the tap itself and runs no script`, ...at(def), [s.vm]);
  }
  if (fds && n.queues === undefined) n.queues = fds.value.split(':').length;
  if (vhost !== null) n.vhost = vhost;
  if (Object.keys(options).length) n.options = options;
  const ifname = typeof n.ifname === 'string' ? n.ifname : undefined;
  return typed(s, def, n, ifname ?? 'tap', ifname !== undefined ? `tap\u0000${ifname}` : undefined);
}

function bridgeNode(s: ClassifyScope, def: NetdevDef, br: string): Candidate {
  return typed(s, def, { kind: 'bridge', ifname: br, external: true }, br, `bridge\u0000${br}`);
}

/** Debian's qemu-bridge-helper, which the lab uses too unless its target says otherwise. */
const DEFAULT_HELPER = '/usr/lib/qemu/qemu-bridge-helper';

function bridge(s: ClassifyScope, def: NetdevDef): Candidate {
  for (const i of def.items) {
    if (i.key === 'helper') {
      if (i.value !== DEFAULT_HELPER) s.report.add('IMPORT_LOST', `${s.vm}: helper=${i.value} is left out: the lab runs the bridge helper its target names`, ...at(def, i), [s.vm]);
    }
    else if (i.key !== 'br') return asWritten(s, def, `a bridge node has no option ${i.key}`);
  }
  return bridgeNode(s, def, first(def.items, 'br') ?? 'br0');
}

function vde(s: ClassifyScope, def: NetdevDef): Candidate {
  const options: Options = {};
  for (const i of def.items) if (i.key !== 'sock') addOption(options, i.key, i.value);
  // libvdeplug's default switch when no sock= is given.
  const sock = first(def.items, 'sock') ?? '/var/run/vde.ctl';
  return typed(s, def, { kind: 'vde', sock, ...(Object.keys(options).length ? { options } : {}) }, 'vde', `vde\u0000${sock}`);
}

function hostPort(text: string | undefined): { host: string; port: number } | null {
  if (text === undefined) return null;
  const colon = text.lastIndexOf(':');
  if (colon < 0) return null;
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: text.slice(0, colon), port };
}

function mcastNode(s: ClassifyScope, def: NetdevDef, group: string, port: number, transport: 'socket' | 'dgram', localAddr?: string): Candidate {
  const n = { kind: 'mcast' as const, group, port, transport, ...(localAddr !== undefined ? { localAddr } : {}) };
  return typed(s, def, n, 'mcast', `mcast\u0000${transport}\u0000${group}:${port}\u0000${localAddr ?? ''}`);
}

function socket(s: ClassifyScope, def: NetdevDef): Candidate {
  const keys = def.items.map((i) => i.key).sort().join(',');
  const listen = first(def.items, 'listen');
  const connect = first(def.items, 'connect');
  const mcast = first(def.items, 'mcast');
  const udp = first(def.items, 'udp');
  const fd = def.items.find((i) => i.key === 'fd');
  if (fd) {
    s.report.add('IMPORT_FD', `${s.vm}: socket fd=${fd.value} is a descriptor a parent process opened; it cannot be reproduced`, ...at(def, fd), [s.vm]);
    return asWritten(s, def, 'its socket was passed by a parent process');
  }
  if (mcast !== undefined && (keys === 'mcast' || keys === 'localaddr,mcast')) {
    const g = hostPort(mcast);
    if (g) return mcastNode(s, def, g.host, g.port, 'socket', first(def.items, 'localaddr'));
  }
  const addr = hostPort(listen ?? connect);
  if (addr && (keys === 'listen' || keys === 'connect') && (addr.host === '' || IPV4.test(addr.host))) {
    const role = listen !== undefined ? 'server' : 'client';
    return { kind: 'p2p', transport: 'socket', family: 'inet', role, addr: { host: addr.host === '' ? '0.0.0.0' : addr.host, port: addr.port }, def };
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
  const keys = mine.map((i) => i.key.slice(prefix.length + 1)).sort().join(',');
  if (get('type') === 'unix' && keys === 'path,type' && get('path')!.startsWith('/')) return { family: 'unix', addr: { path: get('path') as string } };
  const port = Number(get('port'));
  if (get('type') === 'inet' && keys === 'host,port,type' && IPV4.test(get('host') ?? '') && Number.isInteger(port)) return { family: 'inet', addr: { host: get('host') as string, port } };
  return null;
}

function stream(s: ClassifyScope, def: NetdevDef): Candidate {
  const server = bool(first(def.items, 'server') ?? 'off');
  const a = sockAddr(def.items, 'addr');
  const retry = first(def.items, 'reconnect-ms');
  const retrySec = first(def.items, 'reconnect');
  const known = new Set(['server', 'reconnect-ms', 'reconnect']);
  const extra = def.items.filter((i) => !i.key.startsWith('addr.') && !known.has(i.key));
  if (a && server !== null && extra.length === 0 && !(server && (retry !== undefined || retrySec !== undefined))) {
    const reconnectMs = retry !== undefined ? Number(retry) : retrySec !== undefined ? Number(retrySec) * 1000 : 0;
    if (Number.isInteger(reconnectMs) && reconnectMs >= 0) {
      return { kind: 'p2p', transport: 'stream', family: a.family, role: server ? 'server' : 'client', addr: a.addr, ...(server ? {} : { reconnectMs }), def };
    }
  }
  return asWritten(s, def, 'no other end of this stream is in the text, or it has options a link does not set');
}

const isMulticast = (host: string | undefined) => /^(22[4-9]|23\d)\./.test(host ?? '');

function dgram(s: ClassifyScope, def: NetdevDef): Candidate {
  const other = def.items.filter((i) => !i.key.startsWith('local.') && !i.key.startsWith('remote.'));
  if (def.items.some((i) => i.key === 'local.type' && i.value === 'fd')) {
    s.report.add('IMPORT_FD', `${s.vm}: dgram local.type=fd is a descriptor a parent process opened; it cannot be reproduced`, ...at(def), [s.vm]);
  }
  const remoteHost = first(def.items, 'remote.host');
  if (other.length === 0 && first(def.items, 'remote.type') === 'inet' && isMulticast(remoteHost)) {
    const port = Number(first(def.items, 'remote.port'));
    const local = def.items.filter((i) => i.key.startsWith('local.'));
    const localHost = first(local, 'local.host');
    const plainLocal = local.length === 0 || (local.length === 3 && first(local, 'local.type') === 'inet' && first(local, 'local.port') === '0' && localHost !== undefined);
    const remoteKeys = def.items.filter((i) => i.key.startsWith('remote.')).length;
    if (plainLocal && remoteKeys === 3 && Number.isInteger(port)) return mcastNode(s, def, remoteHost as string, port, 'dgram', localHost);
  }
  const local = sockAddr(def.items, 'local');
  const remote = sockAddr(def.items, 'remote');
  if (other.length === 0 && local && remote && local.family === remote.family) {
    return { kind: 'p2p', transport: 'dgram', family: local.family, role: 'peer', addr: local.addr, remote: remote.addr, def };
  }
  return asWritten(s, def, 'no other end of this dgram socket is in the text, or it has options a link does not set');
}

function l2tpv3(s: ClassifyScope, def: NetdevDef): Candidate {
  const n: Record<string, unknown> & { kind: 'l2tpv3' } = { kind: 'l2tpv3', udp: false };
  for (const i of def.items) {
    if (i.key === 'src' || i.key === 'dst') n[i.key] = i.value;
    else if (['srcport', 'dstport', 'txsession', 'rxsession', 'txcookie', 'rxcookie', 'offset'].includes(i.key)) n[i.key] = Number(i.value);
    else if (i.key === 'cookie64') n.cookie64 = true; // QEMU takes 64-bit cookies when cookie64 is present at all.
    else if (['udp', 'ipv6', 'counter', 'pincounter'].includes(i.key)) n[i.key] = bool(i.value) ?? i.value;
    else return asWritten(s, def, `an l2tpv3 node has no option ${i.key}`);
  }
  return typed(s, def, n, 'l2tp');
}

function vhostUser(s: ClassifyScope, def: NetdevDef): Candidate {
  const chr = first(def.items, 'chardev');
  const c = chr !== undefined ? s.chardevs.get(chr) : undefined;
  if (!c || c.backend !== 'socket') {
    s.report.add('IMPORT_UNLINKED', `${s.vm}: vhost-user ${def.id} needs chardev=, a -chardev socket of this command line${chr !== undefined ? `; ${chr} is none` : ''}`, ...at(def), [s.vm]);
    return { kind: 'lost' };
  }
  const n: Record<string, unknown> & { kind: 'vhost-user' } = { kind: 'vhost-user', mode: 'client' };
  const options: Options = {};
  for (const i of def.items) {
    if (i.key === 'queues') n.queues = Number(i.value);
    else if (i.key !== 'chardev') addOption(options, i.key, i.value);
  }
  for (const i of c.items) {
    if (i.key === 'path') n.socket = i.value;
    else if (i.key === 'server') n.mode = bool(i.value) ? 'server' : 'client';
    // vhost-user waits for its backend at start whatever wait= says.
    else if (i.key !== 'wait') s.report.add('IMPORT_LOST', `${s.vm}: chardev ${c.id} option ${i.key}=${i.value} is left out: the vhost-user node sets its own chardev`, c.arg.value ?? c.arg.word, i.at, [s.vm]);
  }
  if (Object.keys(options).length) n.options = options;
  if (typeof n.socket !== 'string' || !n.socket.startsWith('/')) {
    s.report.add('IMPORT_UNLINKED', `${s.vm}: vhost-user ${def.id}'s socket ${String(n.socket ?? '(none)')} is not an absolute path (a shell does not expand ~ inside an option), so its NIC is left unlinked`, c.arg.value ?? c.arg.word, 0, [s.vm]);
    return { kind: 'lost' };
  }
  const out = typed(s, def, n, c.id.replace(/^chr-/, ''));
  if (out.kind === 'node') s.usedChardevs.add(c.arg);
  return out;
}

function vdpa(s: ClassifyScope, def: NetdevDef): Candidate {
  const n: Record<string, unknown> & { kind: 'vdpa' } = { kind: 'vdpa' };
  const options: Options = {};
  for (const i of def.items) {
    if (i.key === 'vhostdev') n.vhostdev = i.value;
    else if (i.key === 'queues') n.queues = Number(i.value);
    else if (i.key === 'vhostfd') s.report.add('IMPORT_FD', `${s.vm}: vhostfd=${i.value} is a descriptor a parent process opened; the vdpa node opens its device (default /dev/vhost-vdpa-0)`, ...at(def, i), [s.vm]);
    else addOption(options, i.key, i.value);
  }
  if (Object.keys(options).length) n.options = options;
  return typed(s, def, n, 'vdpa');
}

/** What one backend becomes in the drawing. */
export function classify(s: ClassifyScope, def: NetdevDef): Candidate {
  switch (def.type) {
    case 'user':
      return user(s, def);
    case 'tap':
      return tap(s, def);
    case 'bridge':
      return bridge(s, def);
    case 'vde':
      return vde(s, def);
    case 'socket':
      return socket(s, def);
    case 'stream':
      return stream(s, def);
    case 'dgram':
      return dgram(s, def);
    case 'l2tpv3':
      return l2tpv3(s, def);
    case 'vhost-user':
      return vhostUser(s, def);
    case 'vhost-vdpa':
      return vdpa(s, def);
    default:
      return asWritten(s, def, `the drawing has no node for ${def.type}`);
  }
}
