import { nodePath } from './docpath';
import type { L2tpv3Node, McastNode, NetdevNode, TopologyNode } from '../model/schema';
import type { Ctx } from './context';
import type { IdAllocator } from './derive';
import type { OptPair } from '../qemuopts';
import { addVmDep, checkUnixPath, useBackend, useExternal } from './context';
import { backend, moreOpts, type Backend } from './backend';
import { slirpvdeProcessId, vdeProcessId } from './derive';
import { diag } from './diagnostics';
import { natBackend } from './nat';
import { qopts } from '../qemuopts';
import { qemuAtLeast } from './target';
import { testpmdBackend } from './testpmd';

/** The transport of a multicast segment: `auto` is dgram on QEMU >= 7.2, socket below; dgram needs 7.2. */
function mcastTransport(ctx: Ctx, n: McastNode): 'dgram' | 'socket' {
  if (n.transport === 'socket') return 'socket';
  return qemuAtLeast(ctx.target, 7, 2) ? 'dgram' : 'socket';
}

function mcastBackend(ctx: Ctx, n: McastNode): Backend {
  if (mcastTransport(ctx, n) === 'socket') {
    return backend('socket', [
      ['mcast', `${n.group}:${n.port}`],
      ['localaddr', n.localAddr],
    ]);
  }
  const local: OptPair[] =
    n.localAddr === undefined
      ? []
      : [
          ['local.type', 'inet'],
          ['local.host', n.localAddr],
          ['local.port', 0],
        ];
  return backend('dgram', [['remote.type', 'inet'], ['remote.host', n.group], ['remote.port', n.port], ...local], {
    modern: true,
  });
}

function l2tpv3Backend(n: L2tpv3Node): Backend {
  const opts: OptPair[] = [
    ['src', n.src],
    ['dst', n.dst],
  ];
  if (n.ipv6) opts.push(['ipv6', 'on']);
  opts.push(['udp', n.udp ? 'on' : 'off']);
  if (n.udp) opts.push(['srcport', n.srcport], ['dstport', n.dstport]);
  opts.push(['txsession', n.txsession], ['rxsession', n.rxsession]);
  // QEMU selects 64-bit cookies when cookie64 is present at all, so it is written only when on.
  if (n.cookie64) opts.push(['cookie64', 'on']);
  opts.push(['txcookie', n.txcookie], ['rxcookie', n.rxcookie]);
  if (n.counter) opts.push(['counter', 'on']);
  if (n.pincounter) opts.push(['pincounter', 'on']);
  opts.push(['offset', n.offset]);
  return backend('l2tpv3', opts, { hostNetwork: false });
}

/** Backends QEMU's hub check does not count as host network (net/hub.c `net_hub_check_clients`). */
const NOT_HOST_NETWORK_TYPES = new Set([
  'l2tpv3',
  'netmap',
  'af-xdp',
  'vhost-vdpa',
  'vmnet-host',
  'vmnet-shared',
  'vmnet-bridged',
]);

/** True when a netdev of this type counts as host network for QEMU's hub check. */
export function isHostNetworkType(type: string): boolean {
  return !NOT_HOST_NETWORK_TYPES.has(type);
}

/** A netdev node: its type and options as written; passt with vhost-user=on drives only a virtio-net NIC. */
function asWrittenBackend(n: NetdevNode): Backend {
  const opts = moreOpts(n.options);
  const vhostUser = opts.some(([k, v]) => k === 'vhost-user' && v === 'on');
  return backend(n.type, opts, {
    modern: n.type === 'stream' || n.type === 'dgram',
    hostNetwork: isHostNetworkType(n.type),
    needsVirtio: vhostUser ? `${n.type} vhost-user=on` : null,
  });
}

/**
 * The netdev a backend node becomes for one link (a VM NIC or a hub on the other side), planned inside VM `vm`'s
 * process. Side effects: start-order dependencies (VDE), backend use (BACKEND_MISSING), socket path checks.
 */
export function nodeBackend(
  ctx: Ctx,
  n: TopologyNode,
  linkId: string,
  ids: IdAllocator,
  vm: string,
  behindHub = false,
): Backend | null {
  switch (n.kind) {
    case 'nat':
      useBackend(ctx, 'user', n.id);
      return natBackend(n);
    case 'netdev':
      useBackend(ctx, n.type, n.id);
      return asWrittenBackend(n);
    case 'vde': {
      useBackend(ctx, 'vde', n.id);
      addVmDep(ctx, vm, vdeProcessId(n.id));
      if (n.slirp) addVmDep(ctx, vm, slirpvdeProcessId(n.id));
      return backend('vde', [['sock', ctx.vdeDirs.get(n.id)], ...moreOpts(n.options)]);
    }
    case 'mcast': {
      const b = mcastBackend(ctx, n);
      useBackend(ctx, b.type, n.id);
      return b;
    }
    case 'l2tpv3':
      useBackend(ctx, 'l2tpv3', n.id);
      return l2tpv3Backend(n);
    case 'vhost-user': {
      useBackend(ctx, 'vhost-user', n.id);
      checkUnixPath(ctx, n.socket, `vhost-user ${n.id}`, { nodes: [n.id] });
      if (n.mode === 'client') useExternal(ctx, 'vhost-user', n.id, n.socket, vm);
      const chr = ids.take(`chr-${n.id}`);
      const server: OptPair[] =
        n.mode === 'server'
          ? [
              ['server', 'on'],
              ['wait', 'off'],
            ]
          : [];
      const queues = n.queues > 1 ? n.queues : undefined;
      return backend('vhost-user', [['chardev', chr], ['queues', queues], ...moreOpts(n.options)], {
        pre: ['-chardev', qopts('socket', [['id', chr], ['path', n.socket], ...server])],
        queues: n.queues,
        needsVirtio: 'vhost-user',
        shareMem: true,
      });
    }
    case 'testpmd':
      return testpmdBackend(ctx, n, linkId, ids, vm);
    case 'vdpa':
      useBackend(ctx, 'vhost-vdpa', n.id);
      useExternal(ctx, 'vdpa', n.id, n.vhostdev, vm);
      return backend(
        'vhost-vdpa',
        [['vhostdev', n.vhostdev], ['queues', n.queues > 1 ? n.queues : undefined], ...moreOpts(n.options)],
        {
          hostNetwork: false,
          queues: n.queues,
          needsVirtio: 'vhost-vdpa',
        },
      );
    case 'tap': {
      useBackend(ctx, 'tap', n.id);
      // Behind a hub the tap's peer is a hubport: vhost and extra queues would have nothing to drive them.
      const vhost = n.vhost && !behindHub && ctx.target.vhostNet !== false;
      // vhostforce (in the tap's options) asks for vhost-net too: without /dev/vhost-net QEMU then fails to start.
      const forced = [true, 'on'].includes(n.options?.vhostforce as never);
      if ((n.vhost || forced) && !behindHub && ctx.target.vhostNet === false) {
        ctx.diagnostics.push(
          diag(
            'VHOST_NET_MISSING',
            `tap ${n.id}: vhost=on needs /dev/vhost-net, which this host lacks (load the vhost_net module: "sudo modprobe vhost_net")`,
            {
              nodes: [n.id],
              path: nodePath(ctx.topology, n.id, 'vhost'),
              fix: {
                label: `Turn vhost off on ${n.id}`,
                action: { kind: 'set-field', node: n.id, path: ['vhost'], value: false },
              },
            },
          ),
        );
      }
      const queues = behindHub ? 1 : n.queues;
      return backend(
        'tap',
        [
          ['ifname', ctx.tapNodeNames.get(n.id)],
          ['script', 'no'],
          ['downscript', 'no'],
          ['vhost', vhost ? 'on' : undefined],
          ['queues', queues > 1 ? queues : undefined],
          ...moreOpts(n.options),
        ],
        { queues, needsVirtio: vhost ? 'vhost=on' : null },
      );
    }
    case 'bridge': {
      const br = ctx.bridgeNames.get(n.id);
      if (ctx.bridgeMode === 'helper') {
        useBackend(ctx, 'bridge', n.id);
        return backend('bridge', [
          ['br', br],
          ['helper', ctx.target.bridgeHelper],
        ]);
      }
      useBackend(ctx, 'tap', n.id);
      return backend('tap', [
        ['ifname', ctx.linkTaps.get(linkId)],
        ['script', 'no'],
        ['downscript', 'no'],
      ]);
    }
    default:
      return null;
  }
}

/** Diagnostics of backend nodes in use, once per node: l2tpv3 ports and cookies, dgram multicast on old QEMU. */
export function backendNodeDiagnostics(ctx: Ctx): void {
  const nodes = [...ctx.graph.nodes.values()].sort((x, y) => (x.id < y.id ? -1 : 1));
  /** The first linked multicast segment on each group:port. */
  const groups = new Map<string, string>();
  for (const n of nodes) {
    if (!ctx.graph.nodeLinks.has(n.id)) continue;
    if (n.kind === 'netdev') {
      ctx.diagnostics.push(
        diag(
          'NETDEV_AS_WRITTEN',
          `${n.id}: -netdev ${n.type} is passed to QEMU as written; the lab starts nothing for it and checks only that QEMU has the ${n.type} backend`,
          {
            nodes: [n.id],
          },
        ),
      );
    }
    if (n.kind === 'mcast') {
      const at = `${n.group}:${n.port}`;
      const first = groups.get(at);
      if (first === undefined) groups.set(at, n.id);
      else {
        const used = new Set(nodes.flatMap((m) => (m.kind === 'mcast' ? [m.group] : [])));
        const free = freeGroup(used);
        ctx.diagnostics.push(
          diag(
            'MCAST_GROUP_SHARED',
            `${n.id} and ${first} are both multicast segments on ${at}: on one host they are one segment, and their guests see each other`,
            {
              nodes: [first, n.id],
              ...(free
                ? {
                    fix: {
                      label: `Move ${n.id} to group ${free}`,
                      action: { kind: 'set-field', node: n.id, path: ['group'], value: free },
                    },
                  }
                : {}),
            },
          ),
        );
      }
    }
    if (n.kind === 'l2tpv3') {
      if (n.udp && (n.srcport === undefined || n.dstport === undefined)) {
        ctx.diagnostics.push(
          diag('L2TPV3_PORTS', `${n.id}: an L2TPv3 tunnel over UDP needs both a source and a destination port`, {
            nodes: [n.id],
            fix: { label: `Set srcport and dstport of ${n.id}` },
          }),
        );
      }
      if ((n.txcookie === undefined) !== (n.rxcookie === undefined)) {
        ctx.diagnostics.push(
          diag('L2TPV3_COOKIES', `${n.id}: L2TPv3 cookies go in pairs: set both txcookie and rxcookie, or neither`, {
            nodes: [n.id],
            fix: { label: `Set both cookies of ${n.id}` },
          }),
        );
      }
      if (n.udp && n.srcport !== undefined) {
        const owner = { what: `L2TPv3 tunnel ${n.id}`, nodes: [n.id], links: [] };
        const prev = ctx.ports.reserve('udp', n.srcport, owner);
        if (prev) {
          ctx.diagnostics.push(
            diag('PORT_CLASH', `udp port ${n.srcport} is bound twice: by ${prev.what} and by ${owner.what}`, {
              nodes: [...new Set([...prev.nodes, n.id])],
              links: [...prev.links],
              fix: { label: `Give ${n.id} another source port` },
            }),
          );
        }
      }
    } else if (n.kind === 'mcast' && n.transport === 'dgram' && !qemuAtLeast(ctx.target, 7, 2)) {
      const v = `${ctx.target.qemuVersion.major}.${ctx.target.qemuVersion.minor}`;
      ctx.diagnostics.push(
        diag(
          'STREAM_UNSUPPORTED_QEMU',
          `${n.id} asks for dgram, which QEMU ${v} lacks (added in 7.2); it is compiled as socket mcast`,
          {
            nodes: [n.id],
            fix: {
              label: `Use the socket transport for ${n.id}`,
              action: { kind: 'set-field', node: n.id, path: ['transport'], value: 'socket' },
            },
          },
        ),
      );
    }
  }
}

/** A multicast group of 230.0.0.0/24 that `used` does not hold (for a second segment), if any is left. */
export function freeGroup(used: ReadonlySet<string>): string | undefined {
  for (let i = 1; i < 255; i++) if (!used.has(`230.0.0.${i}`)) return `230.0.0.${i}`;
  return undefined;
}
