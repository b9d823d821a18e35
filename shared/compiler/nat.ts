import { nodePath } from './docpath';
import type { HostFwd, NatNode } from '../model/schema';
import type { OptPair } from '../qemuopts';
import type { Ctx } from './context';
import type { ProgramUse } from './plan';
import { backend, moreOpts, type Backend } from './backend';
import { diag } from './diagnostics';
import { otherEnd } from './graph';

/** `tcp:127.0.0.1:8080-:80`: a hostfwd rule as QEMU reads it. */
function hostfwdRule(f: HostFwd): string {
  return `${f.proto}:${f.hostAddr}:${f.hostPort}-${f.guestAddr ?? ''}:${f.guestPort}`;
}

/** The `-netdev user` backend of a nat node: every SLiRP option it sets, list options as repeated keys. */
export function natBackend(n: NatNode): Backend {
  const opts: OptPair[] = [
    ['net', n.net],
    ['host', n.host],
    ['dhcpstart', n.dhcpstart],
    ['dns', n.dns],
  ];
  for (const d of n.dnssearch) opts.push(['dnssearch', d]);
  opts.push(['domainname', n.domainname], ['hostname', n.hostname]);
  if (n.restrict) opts.push(['restrict', 'on']);
  // QEMU turns the other family off when only one of ipv4/ipv6 is given: always give both or neither.
  if (n.ipv4 !== undefined || n.ipv6 !== undefined) {
    opts.push(['ipv4', n.ipv4 === false ? 'off' : 'on'], ['ipv6', n.ipv6 === false ? 'off' : 'on']);
  }
  opts.push(
    ['tftp', n.tftp],
    ['bootfile', n.bootfile],
    ['smb', n.smb],
    ['smbserver', n.smb === undefined ? undefined : n.smbserver],
  );
  for (const f of n.hostfwd) opts.push(['hostfwd', hostfwdRule(f)]);
  for (const g of n.guestfwd) opts.push(['guestfwd', `tcp:${g.server}:${g.port}-${g.target}`]);
  return backend('user', [...opts, ...moreOpts(n.options)], { portOwner: n.id });
}

/** The links on which a nat node becomes a SLiRP instance (a VM NIC or a hub each), in id order. */
function natInstances(ctx: Ctx, nat: NatNode): string[] {
  return (ctx.graph.nodeLinks.get(nat.id) ?? []).map((l) => l.id);
}

/** Reserve the host ports of every hostfwd of every SLiRP instance; a second bind of a port is PORT_CLASH. */
export function reserveHostfwdPorts(ctx: Ctx): void {
  for (const n of ctx.graph.nodes.values()) {
    if (n.kind !== 'nat') continue;
    const instances = natInstances(ctx, n);
    for (const lid of instances) {
      n.hostfwd.forEach((f, i) => {
        if (f.hostPort === 0) return;
        const owner = { what: `hostfwd ${hostfwdRule(f)} of ${n.id} (link ${lid})`, nodes: [n.id], links: [lid] };
        const prev = ctx.ports.reserve(f.proto, f.hostPort, owner);
        if (!prev) return;
        ctx.diagnostics.push(
          diag('PORT_CLASH', `${f.proto} port ${f.hostPort} is bound twice: by ${prev.what} and by ${owner.what}`, {
            nodes: [...new Set([...prev.nodes, n.id])],
            links: [...new Set([...prev.links, lid])],
            path: nodePath(ctx.topology, n.id, 'hostfwd', i, 'hostPort'),
            fix: {
              label: `Give hostfwd ${hostfwdRule(f)} of ${n.id} another host port, or link ${n.id} to one NIC only`,
            },
          }),
        );
      });
    }
  }
}

/** The links on which a nat node is in some guest's process: to a VM, or to a hub that is placed in one. */
function realizedLinks(ctx: Ctx, n: NatNode, hubs: ReadonlyMap<string, unknown>) {
  return (ctx.graph.nodeLinks.get(n.id) ?? []).filter(
    (l) => l.realization !== 'hub-backend' || hubs.has(otherEnd(l, n.id).node.id),
  );
}

/** QEMU runs smbd (Samba's, at /usr/sbin/smbd on Debian) for a nat with an `smb` share: the nats that need it. */
export function smbdUse(ctx: Ctx, hubs: ReadonlyMap<string, unknown>): ProgramUse[] {
  const nats = [...ctx.graph.nodes.values()].filter(
    (n): n is NatNode => n.kind === 'nat' && n.smb !== undefined && realizedLinks(ctx, n, hubs).length > 0,
  );
  return nats.length === 0 ? [] : [{ program: 'smbd', nodes: nats.map((n) => n.id).sort() }];
}

/**
 * The diagnostics of a nat node in use: ICMP through SLiRP, hostfwd on every interface, one instance per NIC. A nat
 * whose only links go to hubs left out of every guest (HUB_NO_NICS) is in no process: nothing to say about it.
 */
export function natDiagnostics(ctx: Ctx, hubs: ReadonlyMap<string, unknown>): void {
  const nats = [...ctx.graph.nodes.values()]
    .filter((n): n is NatNode => n.kind === 'nat')
    .sort((x, y) => (x.id < y.id ? -1 : 1));
  for (const n of nats) {
    const realized = realizedLinks(ctx, n, hubs);
    const instances = natInstances(ctx, n).filter((id) => realized.some((l) => l.id === id));
    if (instances.length === 0) continue;
    n.hostfwd.forEach((f, i) => {
      if (f.hostAddr !== '0.0.0.0') return;
      ctx.diagnostics.push(
        diag(
          'HOSTFWD_ALL_INTERFACES',
          `${n.id}: hostfwd ${hostfwdRule(f)} listens on every host interface, so anyone on your network can reach the guest`,
          {
            nodes: [n.id],
            path: nodePath(ctx.topology, n.id, 'hostfwd', i, 'hostAddr'),
            fix: {
              label: 'Bind it to 127.0.0.1',
              action: { kind: 'set-field', node: n.id, path: ['hostfwd', i, 'hostAddr'], value: '127.0.0.1' },
            },
          },
        ),
      );
    });
    if (instances.length > 1) {
      ctx.diagnostics.push(
        diag(
          'NAT_SEPARATE_INSTANCES',
          `${n.id} feeds ${instances.length} NICs: each NIC gets its own SLiRP instance, so those guests cannot reach each other through ${n.id}`,
          {
            nodes: [n.id],
            links: instances,
          },
        ),
      );
    }
    ctx.diagnostics.push(
      diag(
        'NAT_ICMP',
        `${n.id}: ping through SLiRP NAT fails except to the gateway; to allow it, let your group use ICMP sockets with "sudo sysctl -w net.ipv4.ping_group_range='0 2147483647'"`,
        { nodes: [n.id] },
      ),
    );
  }
}
