import type { BridgeNode, HostNode, LinkShaping, TapNode } from '../model/schema';
import type { BoundPort, HostStep } from './plan';
import type { Ctx } from './context';
import { diag } from './diagnostics';
import { otherEnd } from './graph';
import { describeShaping, ifbArgvs, isShaped, shapingArgv } from './shaping';
import { deleteArgv, natTableName, releaseArgv } from './undo';
import { publishSteps } from './publish';

type Step = Omit<HostStep, 'inNetns'>;

function ipv4Network(cidr: string): string {
  const [addr = '', lenText = '32'] = cidr.split('/');
  const len = Number(lenText);
  const n = addr.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const net = (n & mask) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 0xff).join('.')}/${len}`;
}

function bridgeSteps(ctx: Ctx, b: BridgeNode, out: Step[]): void {
  const br = ctx.bridgeNames.get(b.id) ?? b.id;
  if (b.external && ctx.target.isolation !== 'host') {
    ctx.diagnostics.push(
      diag(
        'EXTERNAL_BRIDGE_IN_NETNS',
        `${b.id}: the host bridge ${br} is not visible inside the lab's network namespace; let the lab create its own bridge or run it on the host network`,
        {
          nodes: [b.id],
          fix: {
            label: `Let the lab create bridge ${b.id}`,
            action: { kind: 'set-field', node: b.id, path: ['external'], value: false },
          },
        },
      ),
    );
  }
  if (b.external) ctx.externalBridges.push({ node: b.id, name: br });
  else {
    const creates = { kind: 'bridge', name: br } as const;
    out.push({
      id: `bridge-${b.id}`,
      argv: ['ip', 'link', 'add', br, 'type', 'bridge', ...(b.stp ? ['stp_state', '1'] : [])],
      undo: deleteArgv(creates),
      needsRoot: true,
      description: `Create bridge ${br} (${b.id})${b.stp ? ' with STP' : ''}`,
      creates,
      segment: b.id,
    });
    if (b.address !== undefined) {
      out.push({
        id: `bridge-${b.id}-addr`,
        argv: ['ip', 'addr', 'add', b.address, 'dev', br],
        undo: null,
        needsRoot: true,
        description: `Give bridge ${br} the address ${b.address}`,
        routes: ipv4Network(b.address),
      });
    }
    out.push({
      id: `bridge-${b.id}-up`,
      argv: ['ip', 'link', 'set', br, 'up'],
      undo: null,
      needsRoot: true,
      description: `Bring bridge ${br} up`,
    });
  }
  for (const l of ctx.graph.nodeLinks.get(b.id) ?? []) {
    if (l.realization !== 'bridge-uplink') continue;
    const end = otherEnd(l, b.id);
    const host = end.node as HostNode;
    const itf = host.interfaces.find((i) => i.name === end.port);
    if (!itf) continue;
    const discovered = ctx.target.hostInterfaces?.find((h) => h.name === itf.name);
    if (itf.wireless || discovered?.wireless) {
      const how = itf.wireless ? '' : ' (found so on this machine)';
      ctx.diagnostics.push(
        diag(
          'WIRELESS_UPLINK',
          `${b.id}: ${itf.name} on ${host.id} is a wireless interface${how}, which cannot join a bridge; use a wired interface or NAT`,
          {
            nodes: [b.id, host.id],
            links: [l.id],
            fix: { label: `Remove the uplink and masquerade instead`, action: { kind: 'remove-link', link: l.id } },
          },
        ),
      );
      continue;
    }
    if (ctx.target.isolation !== 'host') {
      ctx.diagnostics.push(
        diag(
          'UPLINK_IN_NETNS',
          `${b.id}: uplink ${itf.name} stays on the host because the lab runs in its own network namespace; the bridge has no way out`,
          {
            nodes: [b.id, host.id],
            links: [l.id],
            fix: {
              label: 'Run the lab on the host network',
              action: { kind: 'set-target', field: 'isolation', value: 'host' },
            },
          },
        ),
      );
      continue;
    }
    out.push({
      id: `uplink-${b.id}-${itf.name}`,
      argv: ['ip', 'link', 'set', itf.name, 'master', br],
      undo: releaseArgv(itf.name),
      needsRoot: true,
      description: `Enslave host interface ${itf.name} to bridge ${br}`,
      enslaves: itf.name,
    });
  }
}

const tapStepIds = (id: string) => ({ add: `tap-${id}`, master: `tap-${id}-master`, up: `tap-${id}-up` });

function tapSteps(
  id: string,
  name: string,
  owner: string | undefined,
  queues: number,
  bridge: string | undefined,
  what: string,
  out: Step[],
): void {
  const ids = tapStepIds(id);
  const argv = ['ip', 'tuntap', 'add', 'dev', name, 'mode', 'tap'];
  if (owner !== undefined) argv.push('user', owner);
  if (queues > 1) argv.push('multi_queue');
  const creates = { kind: 'tap', name } as const;
  // `ip tuntap add` fails on an existing device (iproute2 asks the kernel for an exclusive TUNSETIFF).
  out.push({
    id: ids.add,
    argv,
    undo: deleteArgv(creates),
    needsRoot: true,
    description: `Create tap ${name} for ${what}${owner ? ` owned by ${owner}` : ''}`,
    creates,
  });
  if (bridge !== undefined) {
    out.push({
      id: ids.master,
      argv: ['ip', 'link', 'set', name, 'master', bridge],
      undo: null,
      needsRoot: true,
      description: `Add tap ${name} to bridge ${bridge}`,
    });
  }
  out.push({
    id: ids.up,
    argv: ['ip', 'link', 'set', name, 'up'],
    undo: null,
    needsRoot: true,
    description: `Bring tap ${name} up`,
  });
}

/**
 * A shaped link's steps, once its tap exists: its ifb made and fed the tap's ingress, then the shaping on both the
 * tap (toward the guest) and the ifb (from it). The qdiscs and the redirect go with their devices.
 */
function shapeSteps(ctx: Ctx, link: string, shaping: LinkShaping | undefined, out: Step[]): void {
  const t = ctx.shapeTaps.get(link);
  if (t === undefined || !isShaped(shaping)) return;
  const what = describeShaping(shaping);
  const step = (id: string, argv: readonly string[], description: string): Step => ({
    id,
    argv,
    undo: null,
    needsRoot: true,
    description,
  });
  const toGuest = step(
    `shape-${link}`,
    shapingArgv(t.tap, shaping),
    `Shape link ${link} toward its guest on tap ${t.tap}: ${what}`,
  );
  // A kernel without ifb: toward the guest only (SHAPING_ONE_WAY says so).
  if (t.ifb === undefined) return void out.push(toGuest);
  const ifb = t.ifb;
  const a = ifbArgvs({ tap: t.tap, ifb });
  const creates = { kind: 'ifb', name: ifb } as const;
  out.push(
    {
      ...step(`ifb-${link}`, a.add, `Create ifb ${ifb} for what link ${link}'s guest sends`),
      undo: deleteArgv(creates),
      creates,
    },
    step(`ifb-${link}-up`, a.up, `Bring ifb ${ifb} up`),
    step(`shape-${link}-ingress`, a.ingress, `Take in what tap ${t.tap} receives from its guest`),
    step(`shape-${link}-redirect`, a.redirect, `Send what tap ${t.tap} receives through ifb ${ifb}`),
    toGuest,
    step(`shape-${link}-ifb`, shapingArgv(ifb, shaping), `Shape link ${link} from its guest on ifb ${ifb}: ${what}`),
  );
}

/**
 * Ids of the host steps that make the taps for QEMU's links to bridges: in helper mode qemu-bridge-helper makes
 * those (a UML interface's tap it cannot make).
 */
export function linkTapStepIds(ctx: Ctx): Set<string> {
  const uml = new Set(ctx.graph.links.filter((l) => l.realization === 'uml-bridge').map((l) => l.id));
  return new Set([...ctx.linkTaps.keys()].filter((id) => !uml.has(id)).flatMap((id) => Object.values(tapStepIds(id))));
}

function natSteps(ctx: Ctx, bridges: readonly BridgeNode[], out: Step[]): void {
  const natted = bridges.filter((b) => b.nat);
  for (const b of natted) {
    if (b.address === undefined) {
      ctx.diagnostics.push(
        diag('BRIDGE_NAT_NO_ADDRESS', `${b.id}: NAT needs the bridge's address (its subnet is what gets masqueraded)`, {
          nodes: [b.id],
          fix: {
            label: `Give ${b.id} an address such as 10.0.0.254/24`,
            action: { kind: 'set-field', node: b.id, path: ['address'], value: '10.0.0.254/24' },
          },
        }),
      );
    }
  }
  const withAddr = natted.filter((b) => b.address !== undefined);
  if (withAddr.length === 0) return;
  const table = natTableName(ctx.lab);
  const creates = { kind: 'nft-table', name: table } as const;
  out.push({
    id: 'nat-forward',
    argv: ['sysctl', '-w', 'net.ipv4.ip_forward=1'],
    undo: null,
    needsRoot: true,
    description: 'Let the kernel forward IPv4 packets (left on afterwards)',
  });
  // `create`, not `add`: it fails when the table exists, so a lab never adopts (and later deletes) another's table.
  out.push({
    id: 'nat-table',
    argv: ['nft', 'create', 'table', 'ip', table],
    undo: deleteArgv(creates),
    needsRoot: true,
    description: `Create nftables table ${table} for the lab's NAT`,
    creates,
  });
  out.push({
    id: 'nat-chain',
    argv: [
      'nft',
      'add',
      'chain',
      'ip',
      table,
      'postrouting',
      '{',
      'type',
      'nat',
      'hook',
      'postrouting',
      'priority',
      '100',
      ';',
      '}',
    ],
    undo: null,
    needsRoot: true,
    description: `Add a postrouting NAT chain to ${table}`,
  });
  for (const b of withAddr) {
    const br = ctx.bridgeNames.get(b.id) ?? b.id;
    const net = ipv4Network(b.address ?? '');
    out.push({
      id: `nat-${b.id}`,
      argv: ['nft', 'add', 'rule', 'ip', table, 'postrouting', 'ip', 'saddr', net, 'oifname', '!=', br, 'masquerade'],
      undo: null,
      needsRoot: true,
      description: `Masquerade ${net} from bridge ${br} out of the host`,
    });
  }
}

/**
 * Host setup in order, each step with its undo: the namespace (netns isolation), bridges with their addresses and
 * uplinks, tap nodes, the taps made for VM-to-bridge links, then NAT, then the ports guests on bridges publish. Bridge-side steps need root, except in the
 * lab's user namespace (userns isolation), where every step runs inside it as its owner.
 */
export function hostSteps(
  ctx: Ctx,
  netns: string | null,
  published: ReadonlyMap<string, readonly BoundPort[]> = new Map(),
): HostStep[] {
  const nodes = [...ctx.graph.nodes.values()].sort((x, y) => (x.id < y.id ? -1 : 1));
  const bridges = nodes.filter((n): n is BridgeNode => n.kind === 'bridge' && ctx.graph.nodeLinks.has(n.id));
  const taps = nodes.filter((n): n is TapNode => n.kind === 'tap' && ctx.graph.nodeLinks.has(n.id));
  // In the lab's user namespace only its one user exists, with every capability there: no owner, no root.
  const userns = ctx.target.isolation === 'userns';
  const steps: Step[] = [];
  for (const b of bridges) bridgeSteps(ctx, b, steps);
  for (const t of taps) {
    const toBridge = (ctx.graph.nodeLinks.get(t.id) ?? []).find((l) => l.realization === 'tap-bridge');
    const br = toBridge ? ctx.bridgeNames.get(otherEnd(toBridge, t.id).node.id) : undefined;
    tapSteps(
      t.id,
      ctx.tapNodeNames.get(t.id) ?? t.id,
      userns ? undefined : t.owner,
      t.queues,
      br,
      `tap node ${t.id}`,
      steps,
    );
  }
  for (const l of ctx.graph.links) {
    const tap = ctx.linkTaps.get(l.id);
    if (tap === undefined) continue;
    const bridge = l.a.node.kind === 'bridge' ? l.a.node : l.b.node;
    const user = l.a.node.kind === 'bridge' ? l.b : l.a;
    const what = user.port !== undefined ? `${user.node.id}:${user.port}` : user.node.id;
    tapSteps(l.id, tap, userns ? undefined : ctx.target.runAs, 1, ctx.bridgeNames.get(bridge.id), what, steps);
  }
  for (const l of ctx.graph.links) shapeSteps(ctx, l.id, l.link.shaping, steps);
  natSteps(ctx, bridges, steps);
  steps.push(...publishSteps(ctx, published));
  const inNetns = netns !== null;
  const out: HostStep[] = [];
  // A fresh namespace has no route for multicast groups: joining one fails with "No such device".
  const mcast = [...ctx.graph.nodes.values()].some(
    (n) => n.kind === 'mcast' && (ctx.graph.nodeLinks.get(n.id)?.length ?? 0) > 0,
  );
  if (netns !== null) {
    const creates = { kind: 'netns', name: netns } as const;
    out.push({
      id: 'netns',
      argv: ['ip', 'netns', 'add', netns],
      undo: deleteArgv(creates),
      needsRoot: true,
      description: `Create network namespace ${netns} for the lab`,
      inNetns: false,
      creates,
    });
    out.push({
      id: 'netns-lo',
      argv: ['ip', '-n', netns, 'link', 'set', 'lo', 'up'],
      undo: null,
      needsRoot: true,
      description: `Bring loopback up in ${netns}`,
      inNetns: false,
    });
    if (mcast) {
      out.push({
        id: 'netns-mcast',
        argv: ['ip', '-n', netns, 'route', 'add', '224.0.0.0/4', 'dev', 'lo'],
        undo: null,
        needsRoot: true,
        description: `Route multicast over loopback in ${netns}`,
        inNetns: false,
      });
    }
  }
  if (userns) {
    // The holder's namespace is made by the engine (or up.sh) before any step; inside it, nothing needs root.
    out.push({
      id: 'netns-lo',
      argv: ['ip', 'link', 'set', 'lo', 'up'],
      undo: null,
      needsRoot: false,
      description: "Bring loopback up in the lab's namespace",
      inNetns: true,
    });
    if (mcast)
      out.push({
        id: 'netns-mcast',
        argv: ['ip', 'route', 'add', '224.0.0.0/4', 'dev', 'lo'],
        undo: null,
        needsRoot: false,
        description: "Route multicast over loopback in the lab's namespace",
        inNetns: true,
      });
    // Everything made there ends with the namespace (its holder's end): nothing is left to undo one by one.
    for (const s of steps) out.push({ ...s, undo: null, needsRoot: false, inNetns: true });
    return out;
  }
  for (const s of steps) out.push({ ...s, inNetns });
  return out;
}
