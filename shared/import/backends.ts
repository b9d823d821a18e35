/**
 * What each backend of a command line becomes in the drawing: a node of its kind (nat, tap, bridge, vde, mcast,
 * l2tpv3, vhost-user, vdpa) when the node reproduces it exactly, one end of a VM-to-VM link (stream, dgram, socket)
 * to be paired across command lines, or a `netdev` node that keeps it as written. Options a node does not model go
 * to its verbatim options; what cannot be kept at all is reported.
 */
import { GuestFwd, HostFwd } from '../model/schema';
import { addOption, asWritten, at, typed, type Candidate, type ClassifyScope, type Options } from './candidates';
import type { NetdevDef } from './netparse';
import { bool, first, type Item } from './optvalue';
import { dgram, socket, stream } from './sockets';

export { asWritten, type Candidate, type ClassifyScope, type NodeCandidate, type P2pEnd } from './candidates';

function hostfwd(rule: string): Record<string, unknown> | null {
  const m = /^(tcp|udp)?:([^:]*):(\d+)-([^:]*):(\d+)$/.exec(rule);
  if (!m) return null;
  return {
    proto: m[1] || 'tcp',
    hostAddr: m[2] || '0.0.0.0',
    hostPort: Number(m[3]),
    ...(m[4] ? { guestAddr: m[4] } : {}),
    guestPort: Number(m[5]),
  };
}

function guestfwd(rule: string): Record<string, unknown> | null {
  const m = /^(tcp)?:([^:]+):(\d+)-(.+)$/s.exec(rule);
  return m ? { server: m[2], port: Number(m[3]), target: m[4] } : null;
}

const NAT_FIELDS = new Set([
  'net',
  'host',
  'dhcpstart',
  'dns',
  'domainname',
  'hostname',
  'tftp',
  'bootfile',
  'smb',
  'smbserver',
]);

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
    s.report.add(
      'IMPORT_LOST',
      `${s.vm}: tap helper=${helper.value} is read as -netdev bridge,br=${br}; the lab runs the helper its target names`,
      ...at(def, helper),
      [s.vm],
    );
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
        s.report.add(
          'IMPORT_TAP_SCRIPT',
          `${s.vm}: ${i.key}=${i.value} is not run: the lab makes the tap itself (and joins it to a bridge when the drawing says so)`,
          ...at(def, i),
          [s.vm],
        );
        scriptReported = true;
      }
    } else if (i.key === 'fd' || i.key === 'fds' || i.key === 'vhostfd' || i.key === 'vhostfds') {
      if (i.key === 'fds') fds = i;
      if (i.key === 'vhostfd' || i.key === 'vhostfds') vhost ??= true;
      s.report.add(
        'IMPORT_FD',
        `${s.vm}: ${i.key}=${i.value} is a descriptor a parent process (libvirt) opened; it cannot be reproduced, so the lab makes the tap itself`,
        ...at(def, i),
        [s.vm],
      );
    } else if (i.key === 'br')
      s.report.add('IMPORT_LOST', `${s.vm}: br=${i.value} only counts with helper=, and is left out`, ...at(def, i), [
        s.vm,
      ]);
    else addOption(options, i.key, i.value);
  }
  const noScript = def.items.some((i) => i.key === 'script' && (i.value === 'no' || i.value === ''));
  const fdGiven = def.items.some((i) => i.key === 'fd' || i.key === 'fds');
  if (!noScript && !fdGiven && !scriptReported) {
    s.report.add(
      'IMPORT_TAP_SCRIPT',
      `${s.vm}: QEMU would run its default /etc/qemu-ifup for this tap; the lab makes the tap itself and runs no script`,
      ...at(def),
      [s.vm],
    );
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
      if (i.value !== DEFAULT_HELPER)
        s.report.add(
          'IMPORT_LOST',
          `${s.vm}: helper=${i.value} is left out: the lab runs the bridge helper its target names`,
          ...at(def, i),
          [s.vm],
        );
    } else if (i.key !== 'br') return asWritten(s, def, `a bridge node has no option ${i.key}`);
  }
  return bridgeNode(s, def, first(def.items, 'br') ?? 'br0');
}

function vde(s: ClassifyScope, def: NetdevDef): Candidate {
  const options: Options = {};
  for (const i of def.items) if (i.key !== 'sock') addOption(options, i.key, i.value);
  // libvdeplug's default switch when no sock= is given.
  const sock = first(def.items, 'sock') ?? '/var/run/vde.ctl';
  return typed(
    s,
    def,
    { kind: 'vde', sock, ...(Object.keys(options).length ? { options } : {}) },
    'vde',
    `vde\u0000${sock}`,
  );
}

function l2tpv3(s: ClassifyScope, def: NetdevDef): Candidate {
  const n: Record<string, unknown> & { kind: 'l2tpv3' } = { kind: 'l2tpv3', udp: false };
  for (const i of def.items) {
    if (i.key === 'src' || i.key === 'dst') n[i.key] = i.value;
    else if (['srcport', 'dstport', 'txsession', 'rxsession', 'txcookie', 'rxcookie', 'offset'].includes(i.key))
      n[i.key] = Number(i.value);
    else if (i.key === 'cookie64')
      n.cookie64 = true; // QEMU takes 64-bit cookies when cookie64 is present at all.
    else if (['udp', 'ipv6', 'counter', 'pincounter'].includes(i.key)) n[i.key] = bool(i.value) ?? i.value;
    else return asWritten(s, def, `an l2tpv3 node has no option ${i.key}`);
  }
  return typed(s, def, n, 'l2tp');
}

function vhostUser(s: ClassifyScope, def: NetdevDef): Candidate {
  const chr = first(def.items, 'chardev');
  const c = chr !== undefined ? s.chardevs.get(chr) : undefined;
  if (!c || c.backend !== 'socket') {
    s.report.add(
      'IMPORT_UNLINKED',
      `${s.vm}: vhost-user ${def.id} needs chardev=, a -chardev socket of this command line${chr !== undefined ? `; ${chr} is none` : ''}`,
      ...at(def),
      [s.vm],
    );
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
    else if (i.key !== 'wait')
      s.report.add(
        'IMPORT_LOST',
        `${s.vm}: chardev ${c.id} option ${i.key}=${i.value} is left out: the vhost-user node sets its own chardev`,
        c.arg.value ?? c.arg.word,
        i.at,
        [s.vm],
      );
  }
  if (Object.keys(options).length) n.options = options;
  if (typeof n.socket !== 'string' || !n.socket.startsWith('/')) {
    s.report.add(
      'IMPORT_UNLINKED',
      `${s.vm}: vhost-user ${def.id}'s socket ${String(n.socket ?? '(none)')} is not an absolute path (a shell does not expand ~ inside an option), so its NIC is left unlinked`,
      c.arg.value ?? c.arg.word,
      0,
      [s.vm],
    );
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
    else if (i.key === 'vhostfd')
      s.report.add(
        'IMPORT_FD',
        `${s.vm}: vhostfd=${i.value} is a descriptor a parent process opened; the vdpa node opens its device (default /dev/vhost-vdpa-0)`,
        ...at(def, i),
        [s.vm],
      );
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
