/**
 * The way between a rootless lab (isolation userns) and the host, through `pasta` (Debian package passt) attached to
 * the namespace's holder: a NAT node's hostfwd binds inside the lab's namespace, so pasta binds the same address and
 * port on the host and splices each connection to it; and a NAT node that may reach the outside gets the
 * namespace a way out (`--config-net`: pasta's own tap, its address and a default route through it). Nothing of the
 * host's ports is forwarded into the lab (-T/-U none), nor is the host reached through pasta's gateway
 * (--no-map-gw). A netns lab gets one too, joined to its named namespace, for the ports guests publish through
 * their bridges (publish.ts).
 *
 * pasta copies its addresses from a host interface with a default route unless told otherwise, and refuses to start
 * where there is none (an offline machine, a namespace with only loopback: "External interface not usable"). So the
 * lab's side is always given explicitly: loopback as the template interface (-i lo: addresses only, pasta's sockets
 * still go where the host routes them), a small shared-address-space network for its tap (RFC 6598), and a MAC of
 * its own. Then the same plan starts offline and online, on any machine.
 */
import type { BridgeNode, NatNode } from '../model/schema';
import type { BoundPort, ProcessPlan, VmPlan } from './plan';
import type { Ctx } from './context';
import { vmProcessId } from './derive';
import { diag } from './diagnostics';
import { nodePath } from './docpath';
import { networksOverlap } from './ipv4';

/** The lab side of pasta's tap: its address, the gateway pasta answers as, the prefix, its MAC and name. */
const PASTA_NET = {
  address: '100.64.0.2',
  gateway: '100.64.0.1',
  prefix: '30',
  mac: '02:71:6e:00:00:01',
  ifname: 'qnet-pasta',
} as const;

/** The network of pasta's link, as messages name it. */
const PASTA_CIDR = `${PASTA_NET.gateway.replace(/\d+$/, '0')}/${PASTA_NET.prefix}`;

/**
 * A lab address inside pasta's link, which pasta puts in the namespace when it gives it a way out (`--config-net`):
 * its own address, its gateway as the default route and the link's route. A bridge address there makes the gateway
 * a local address and hides part of the bridge's network behind pasta's route; a VM-to-VM link bound there uses
 * pasta's own address. Refused, naming the node or link and the address, with the NAT restricted as the other way.
 */
function pastaNetDiagnostics(ctx: Ctx, out: readonly NatNode[]): void {
  const restrict = out.map((n) => ({
    label: `Restrict ${n.id} (no way out: pasta then adds no link)`,
    action: { kind: 'set-field' as const, node: n.id, path: ['restrict'], value: true },
  }));
  const why = (what: string, addr: string) =>
    `${what} ${addr} overlaps ${PASTA_CIDR}, the network pasta uses inside this rootless lab's namespace for the ` +
    `way out of ${out.map((n) => n.id).join(', ')} (pasta is ${PASTA_NET.address}, its gateway ${PASTA_NET.gateway})`;
  const bridges = [...ctx.graph.nodes.values()]
    .filter((n): n is BridgeNode => n.kind === 'bridge' && !n.external && ctx.graph.nodeLinks.has(n.id))
    .sort((x, y) => (x.id < y.id ? -1 : 1));
  for (const b of bridges)
    if (b.address !== undefined && networksOverlap(b.address, PASTA_CIDR))
      ctx.diagnostics.push(
        diag('PASTA_NET_OVERLAP', `${b.id}: ${why('its address', b.address)}: give it an address outside it`, {
          nodes: [b.id, ...out.map((n) => n.id)],
          path: nodePath(ctx.topology, b.id, 'address'),
          fix: { label: `Give ${b.id} an address outside ${PASTA_CIDR}` },
          alternatives: restrict,
        }),
      );
  for (const l of ctx.graph.links) {
    const host = l.link.family === 'inet' ? l.link.host : undefined;
    if (host === undefined || !networksOverlap(host, PASTA_CIDR)) continue;
    ctx.diagnostics.push(
      diag('PASTA_NET_OVERLAP', `link ${l.id}: ${why('its host', host)}: bind it to another address`, {
        nodes: out.map((n) => n.id),
        links: [l.id],
        path: ['links', ctx.topology.links.findIndex((x) => x.id === l.id), 'host'],
        fix: {
          label: `Bind link ${l.id} to 127.0.0.1`,
          action: { kind: 'set-field', node: l.id, on: 'link', path: ['host'], value: '127.0.0.1' },
        },
        alternatives: restrict,
      }),
    );
  }
}

/** pasta's option for one forwarded port: `ADDR/PORT` (the same port inside), or `PORT` on every address. */
function forwardSpec(p: BoundPort): string {
  return p.host === '' || p.host === '0.0.0.0' ? String(p.port) : `${p.host}/${p.port}`;
}

/**
 * The lab's pasta process: in a rootless lab when it has hostfwd ports or a NAT with a way out, in a netns lab
 * (`netns`, its namespace) when guests publish ports through their bridges; none otherwise. A netns lab's NAT nodes
 * keep their hostfwd inside the namespace and have no way out, as before pasta.
 */
export function pastaProcesses(ctx: Ctx, vms: readonly VmPlan[], netns: string | null): ProcessPlan[] {
  const rootless = ctx.target.isolation === 'userns';
  if (!rootless && netns === null) return [];
  const forwarded = (p: BoundPort) => p.what === 'hostfwd' && (rootless || p.bridge === true);
  const ports = vms.flatMap((vm) => vm.ports.filter(forwarded).map((p) => ({ vm: vm.node, p })));
  const nats = [...ctx.graph.nodes.values()]
    .filter((n): n is NatNode => rootless && n.kind === 'nat' && ctx.graph.nodeLinks.has(n.id))
    .sort((x, y) => (x.id < y.id ? -1 : 1));
  const out = nats.filter((n) => !n.restrict);
  if (ports.length === 0 && out.length === 0) return [];
  if (out.length > 0) pastaNetDiagnostics(ctx, out);
  // One option per port: pasta reads `ADDR/P1,P2` as one address for a list, never a list of addresses.
  const flags = (proto: 'tcp' | 'udp', flag: string) => {
    const specs = [...new Set(ports.filter((x) => x.p.proto === proto).map((x) => forwardSpec(x.p)))];
    return (specs.length > 0 ? specs : ['none']).flatMap((spec) => [flag, spec]);
  };
  const id = 'pasta';
  const pidfile = `${ctx.labDir}/${id}.pid`;
  // --foreground: the engine supervises it; its pidfile is written once its ports are bound (ready);
  // -T/-U none: nothing from the lab reaches the host's own ports.
  const argv = [
    'pasta',
    '--foreground',
    '--quiet',
    '--pid',
    pidfile,
    '-i',
    'lo',
    '-a',
    PASTA_NET.address,
    '-n',
    PASTA_NET.prefix,
    '-g',
    PASTA_NET.gateway,
    '-M',
    PASTA_NET.mac,
    '-I',
    PASTA_NET.ifname,
    '--no-map-gw',
    ...(out.length > 0 ? ['--config-net'] : []),
    ...flags('tcp', '-t'),
    ...flags('udp', '-u'),
    '-T',
    'none',
    '-U',
    'none',
    // A netns lab runs as root: pasta would drop to nobody, who may not join a namespace root made.
    ...(netns === null ? [] : ['--runas', '0', '--netns', netns]),
  ];
  const node = ports[0]?.p.node ?? out[0]?.id ?? '';
  const users = [...new Set(ports.map((x) => x.vm))].sort();
  return [
    {
      id,
      kind: 'pasta',
      node,
      argv,
      dependsOn: users.map(vmProcessId),
      ready: { type: 'path', path: pidfile },
      holdStdin: false,
      pidfile,
      stderrLog: `${ctx.labDir}/${id}.log`,
      joinsLab: true,
    },
  ];
}
