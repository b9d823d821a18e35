import type { Ctx } from './context';
import type { LinkInfo } from './graph';
import type { OptPair } from '../qemuopts';
import { addVmDep, checkUnixPath, useBackend } from './context';
import { backend, type Backend } from './backend';
import { vmProcessId } from './derive';
import { diag } from './diagnostics';
import { qemuAtLeast } from './target';

/** How a VM-to-VM link is realized: one backend per side, and a label for the canvas (`stream`, `dgram 40001`). */
export interface P2pPlan {
  readonly transport: 'stream' | 'dgram' | 'socket';
  readonly family: 'unix' | 'inet';
  readonly a: Backend;
  readonly b: Backend;
  readonly label: string;
}

interface Resolved {
  readonly l: LinkInfo;
  readonly transport: 'stream' | 'dgram' | 'socket' | 'socket-udp';
  readonly family: 'unix' | 'inet';
}

const LOOPBACK = '127.0.0.1';

function resolve(ctx: Ctx, l: LinkInfo): Resolved {
  const modernOk = qemuAtLeast(ctx.target, 7, 2);
  let transport = l.link.transport === 'auto' ? (modernOk ? 'stream' : 'socket') : l.link.transport;
  let family = l.link.family;
  const v = `${ctx.target.qemuVersion.major}.${ctx.target.qemuVersion.minor}`;
  if (transport === 'socket-udp') return { l, transport, family: 'inet' };
  if (transport === 'dgram' && !modernOk) {
    // The socket backend's udp= mode carries the same one-frame-per-datagram traffic, over IPv4 only.
    ctx.diagnostics.push(
      diag(
        'DGRAM_AS_SOCKET_UDP',
        `link ${l.id} uses dgram, which QEMU ${v} lacks (added in 7.2); it is compiled as a socket udp= pair on ${LOOPBACK}${family === 'unix' ? ' instead of unix sockets' : ''}`,
        {
          nodes: [l.a.node.id, l.b.node.id],
          links: [l.id],
        },
      ),
    );
    return { l, transport, family: 'inet' };
  }
  if (transport === 'stream' && !modernOk) {
    ctx.diagnostics.push(
      diag(
        'STREAM_UNSUPPORTED_QEMU',
        `link ${l.id} uses ${transport}, which QEMU ${v} lacks (added in 7.2); it is compiled as socket`,
        {
          nodes: [l.a.node.id, l.b.node.id],
          links: [l.id],
          fix: {
            label: `Use the socket transport for link ${l.id}`,
            action: { kind: 'set-field', on: 'link', node: l.id, path: ['transport'], value: 'socket' },
          },
        },
      ),
    );
    transport = 'socket';
  }
  if (transport === 'socket' && family === 'unix') {
    if (l.link.transport === 'socket') {
      ctx.diagnostics.push(
        diag(
          'SOCKET_FAMILY_UNIX',
          `link ${l.id}: the socket backend speaks IPv4 TCP only, so it uses 127.0.0.1 instead of a unix socket`,
          {
            nodes: [l.a.node.id, l.b.node.id],
            links: [l.id],
            fix: {
              label: `Set link ${l.id} to family inet`,
              action: { kind: 'set-field', on: 'link', node: l.id, path: ['family'], value: 'inet' },
            },
          },
        ),
      );
    }
    family = 'inet';
  }
  return { l, transport, family };
}

/** Reserve a link's explicit ports (dgram: the `a` side binds `port`, `b` binds `peerPort`, default the next one). */
function reserveExplicit(ctx: Ctx, r: Resolved): void {
  const port = r.l.link.port;
  if (r.family !== 'inet' || port === undefined) return;
  const udp = r.transport === 'dgram' || r.transport === 'socket-udp';
  const proto = udp ? 'udp' : 'tcp';
  const ports = udp ? [port, r.l.link.peerPort ?? port + 1] : [port];
  for (const p of ports) {
    const owner = { what: `link ${r.l.id} (${r.transport})`, nodes: [r.l.a.node.id, r.l.b.node.id], links: [r.l.id] };
    const prev = p > 65535 ? null : ctx.ports.reserve(proto, p, owner);
    if (!prev) continue;
    ctx.diagnostics.push(
      diag('PORT_CLASH', `${proto} port ${p} is bound twice: by ${prev.what} and by ${owner.what}`, {
        nodes: [...new Set([...prev.nodes, ...owner.nodes])],
        links: [...new Set([...prev.links, r.l.id])],
        fix: {
          label: `Let link ${r.l.id} derive its port`,
          action: { kind: 'set-field', on: 'link', node: r.l.id, path: ['port'], value: undefined },
        },
      }),
    );
  }
}

function portOf(ctx: Ctx, r: Resolved): number {
  if (r.l.link.port !== undefined) return r.l.link.port;
  const udp = r.transport === 'dgram' || r.transport === 'socket-udp';
  const count = udp ? 2 : 1;
  const owner = { what: `link ${r.l.id} (${r.transport})`, nodes: [r.l.a.node.id, r.l.b.node.id], links: [r.l.id] };
  const p = ctx.ports.derive(udp ? 'udp' : 'tcp', `link/${r.l.id}`, count, owner);
  if (p !== null) return p;
  ctx.diagnostics.push(
    diag('PORT_EXHAUSTED', `link ${r.l.id}: no free port left above the port base ${ctx.topology.settings.portBase}`, {
      links: [r.l.id],
      fix: { label: 'Use unix sockets (family unix) for VM-to-VM links, or lower the port base' },
    }),
  );
  return 0;
}

/** Start-order edges between VMs (connector -> listener), kept acyclic so a lab can always start. */
class StartOrder {
  private readonly edges = new Map<string, Set<string>>();
  /** True when `from` already (transitively) waits for `to`. */
  reaches(from: string, to: string): boolean {
    if (from === to) return true;
    const seen = new Set<string>([from]);
    const stack = [from];
    while (stack.length > 0) {
      const v = stack.pop() as string;
      for (const w of this.edges.get(v) ?? []) {
        if (w === to) return true;
        if (!seen.has(w)) {
          seen.add(w);
          stack.push(w);
        }
      }
    }
    return false;
  }
  add(from: string, to: string): void {
    const s = this.edges.get(from);
    if (s) s.add(to);
    else this.edges.set(from, new Set([to]));
  }
}

function plan(ctx: Ctx, r: Resolved, order: StartOrder): P2pPlan {
  const { l, transport, family } = r;
  const vmA = l.a.node.id;
  const vmB = l.b.node.id;
  const inet = family === 'inet';
  const port = inet ? portOf(ctx, r) : 0;
  const peerPort = l.link.peerPort ?? port + 1;
  const sockPath = (suffix: '' | '.a' | '.b') => {
    const given = suffix === '.b' ? l.link.peerPath : l.link.path;
    const p = given ?? `${ctx.labDir}/${l.id}${suffix}.sock`;
    checkUnixPath(ctx, p, `link ${l.id}`, { links: [l.id] });
    return p;
  };
  // The address listeners bind; a connector cannot reach "every interface", so it dials loopback then.
  const bindHost = l.link.host ?? LOOPBACK;
  const dialHost = bindHost === '0.0.0.0' ? LOOPBACK : bindHost;
  if (inet && bindHost === '0.0.0.0') {
    ctx.diagnostics.push(
      diag(
        'LINK_ALL_INTERFACES',
        `link ${l.id} listens on every host interface (host 0.0.0.0), so anyone on your network can join it`,
        {
          nodes: [vmA, vmB],
          links: [l.id],
          fix: {
            label: 'Bind it to 127.0.0.1',
            action: { kind: 'set-field', on: 'link', node: l.id, path: ['host'], value: undefined },
          },
        },
      ),
    );
  }
  if (transport === 'socket-udp' || (transport === 'dgram' && !qemuAtLeast(ctx.target, 7, 2))) {
    // The socket UDP pair (before 7.2, dgram's stand-in): each side binds its own port (localaddr=) and sends to the
    // other's (udp=); no start order.
    useBackend(ctx, 'socket', vmA);
    const mk = (me: number, peer: number) =>
      backend('socket', [
        ['udp', `${dialHost}:${peer}`],
        ['localaddr', `${bindHost}:${me}`],
      ]);
    return {
      transport: 'socket',
      family,
      a: mk(port, peerPort),
      b: mk(peerPort, port),
      label: `socket udp ${port}/${peerPort}`,
    };
  }
  useBackend(ctx, transport, vmA);
  if (transport === 'dgram') {
    const end = (side: 'a' | 'b', self: 'local' | 'remote'): OptPair[] =>
      inet
        ? [
            [`${self}.type`, 'inet'],
            [`${self}.host`, self === 'local' ? bindHost : dialHost],
            [`${self}.port`, side === 'a' ? port : peerPort],
          ]
        : [
            [`${self}.type`, 'unix'],
            [`${self}.path`, sockPath(side === 'a' ? '.a' : '.b')],
          ];
    const mk = (me: 'a' | 'b', peer: 'a' | 'b') =>
      backend('dgram', [...end(me, 'local'), ...end(peer, 'remote')], { modern: true });
    return { transport, family, a: mk('a', 'b'), b: mk('b', 'a'), label: inet ? `dgram ${port}/${peerPort}` : 'dgram' };
  }
  // stream reconnects from 8.0 on. Without it, and always for socket, a connector started before its listener stays
  // up with its link dead for good (7.2: no error, no retry), so the listener must be up first. The listener is
  // side a unless that would make a start-order cycle; then it is side b.
  const retryMs = l.link.reconnectMs ?? 1000;
  const reconnect = transport === 'stream' && qemuAtLeast(ctx.target, 8, 0) && retryMs > 0;
  let listener: 'a' | 'b' = 'a';
  if (!reconnect) {
    if (order.reaches(vmA, vmB)) listener = 'b';
    const [lis, con] = listener === 'a' ? [vmA, vmB] : [vmB, vmA];
    order.add(con, lis);
    addVmDep(ctx, con, vmProcessId(lis));
  }
  let server: Backend;
  let client: Backend;
  if (transport === 'socket') {
    server = backend('socket', [['listen', `${bindHost}:${port}`]]);
    client = backend('socket', [['connect', `${dialHost}:${port}`]]);
  } else {
    const addr = (host: string): OptPair[] =>
      inet
        ? [
            ['addr.type', 'inet'],
            ['addr.host', host],
            ['addr.port', port],
          ]
        : [
            ['addr.type', 'unix'],
            ['addr.path', sockPath('')],
          ];
    const retry: OptPair[] = !reconnect
      ? []
      : qemuAtLeast(ctx.target, 9, 2)
        ? [['reconnect-ms', retryMs]]
        : [['reconnect', Math.max(1, Math.round(retryMs / 1000))]];
    server = backend('stream', [['server', 'on'], ...addr(bindHost)], { modern: true });
    client = backend('stream', [['server', 'off'], ...addr(dialHost), ...retry], { modern: true });
  }
  const label = inet ? `${transport} ${port}` : transport;
  return listener === 'a'
    ? { transport, family, a: server, b: client, label }
    : { transport, family, a: client, b: server, label };
}

/**
 * Realize every VM-to-VM link, in link id order: transport by QEMU version (below 7.2 stream becomes socket
 * listen/connect and dgram socket udp=/localaddr=), ports and socket paths, start order.
 */
export function planP2p(ctx: Ctx): Map<string, P2pPlan> {
  const resolved = ctx.graph.links.filter((l) => l.realization === 'vm-vm').map((l) => resolve(ctx, l));
  for (const r of resolved) reserveExplicit(ctx, r);
  const order = new StartOrder();
  const out = new Map<string, P2pPlan>();
  for (const r of resolved) out.set(r.l.id, plan(ctx, r, order));
  return out;
}
