/**
 * A guest on a bridge publishing a port to the host (a bridge's `hostfwd`). In a lab of its own namespace (a
 * rootless lab's user + network namespace, or a netns lab's named one) the bridge lives there, which the host cannot
 * route into: pasta, joined to the namespace (through the holder's pid, or `--netns NAME`), binds the host address
 * and port and splices each connection to the same port on the namespace's loopback, where an nftables DNAT in the
 * namespace sends it on to the guest (masqueraded from the bridge's address, so the guest's reply comes back the
 * same way). `route_localnet` on the bridge lets a connection from loopback go out to it and its replies come back.
 * Nothing of this exists outside the namespace; it ends with it. A lab on the host's own network (isolation host)
 * publishes nothing: that would take the host's own firewall, and the host reaches the guest at its address there.
 */
import type { BridgeFwd, BridgeNode } from '../model/schema';
import type { Ctx } from './context';
import type { BoundPort, HostStep } from './plan';
import { nodePath } from './docpath';
import { diag } from './diagnostics';
import { otherEnd } from './graph';
import { inNetwork } from './ipv4';

type Step = Omit<HostStep, 'inNetns'>;

/** The nftables table the forwards live in: it is the lab's namespace's own, so one name serves every lab. */
const TABLE = 'qnet-publish';

/** `tcp 127.0.0.1:8080 -> 10.0.20.2:80`: a forward as messages name it. */
function forwardText(f: BridgeFwd): string {
  return `${f.proto} ${f.hostAddr}:${f.hostPort} -> ${f.guestAddr}:${f.guestPort}`;
}

/** The bridges the lab makes that publish ports, in id order. */
function publishing(ctx: Ctx): BridgeNode[] {
  return [...ctx.graph.nodes.values()]
    .filter((n): n is BridgeNode => n.kind === 'bridge' && n.hostfwd.length > 0 && ctx.graph.nodeLinks.has(n.id))
    .sort((x, y) => (x.id < y.id ? -1 : 1));
}

/** The guest (VM id) on bridge `b` whose NIC there has address `addr`, or undefined. */
function guestAt(ctx: Ctx, b: BridgeNode, addr: string): string | undefined {
  for (const l of ctx.graph.nodeLinks.get(b.id) ?? []) {
    const end = otherEnd(l, b.id);
    if (end.node.kind !== 'vm') continue;
    const nic = end.node.nics.find((n) => n.id === end.port);
    if (nic?.ip !== undefined && nic.ip !== 'dhcp' && nic.ip.split('/')[0] === addr) return end.node.id;
  }
  return undefined;
}

/** True when the lab has a namespace of its own its bridges live in, so pasta can publish their guests' ports. */
export function publishes(ctx: Ctx): boolean {
  return ctx.target.isolation === 'userns' || ctx.target.isolation === 'netns';
}

/**
 * Checks every bridge's forwards and reserves their host ports; the ports each guest publishes, by VM id. Only a
 * lab of its own namespace publishes them (on the host network a warning says so, and nothing is bound).
 */
export function bridgeForwards(ctx: Ctx): Map<string, BoundPort[]> {
  const byVm = new Map<string, BoundPort[]>();
  for (const b of publishing(ctx)) {
    const at = (i: number, field: string) => nodePath(ctx.topology, b.id, 'hostfwd', i, field);
    if (!publishes(ctx)) {
      ctx.diagnostics.push(
        diag(
          'BRIDGE_HOSTFWD_ROOTLESS',
          `${b.id}: its hostfwd is made only in a lab of its own namespace (isolation userns or netns); on the host's network (isolation ${ctx.target.isolation}) nothing is published, as that would change the host's own firewall: reach the guest at its address on ${b.id}, or run the lab rootless`,
          {
            nodes: [b.id],
            path: at(0, 'hostPort'),
            fix: {
              label: 'Run the lab rootless (isolation userns)',
              action: { kind: 'set-target', field: 'isolation', value: 'userns' },
            },
          },
        ),
      );
      continue;
    }
    b.hostfwd.forEach((f, i) => {
      const refuse = (message: string, field: string) =>
        ctx.diagnostics.push(
          diag('BRIDGE_HOSTFWD', `${b.id}: hostfwd ${forwardText(f)}: ${message}`, {
            nodes: [b.id],
            path: at(i, field),
          }),
        );
      if (b.external)
        return refuse("the bridge is the host's own, not the lab's: publish from a bridge the lab makes", 'guestAddr');
      if (b.address === undefined)
        return refuse(
          "the bridge needs an address in the guest's network: connections reach the guest from it",
          'guestAddr',
        );
      if (!inNetwork(f.guestAddr, b.address))
        return refuse(`${f.guestAddr} is outside the bridge's network (${b.address})`, 'guestAddr');
      const vm = guestAt(ctx, b, f.guestAddr);
      if (vm === undefined)
        return refuse(`no guest on ${b.id} has the address ${f.guestAddr} (a NIC's ip)`, 'guestAddr');
      if (f.hostPort === 0) return refuse('give it a host port', 'hostPort');
      const owner = { what: `hostfwd ${forwardText(f)} of ${b.id}`, nodes: [b.id, vm], links: [] };
      const prev = ctx.ports.reserve(f.proto, f.hostPort, owner);
      if (prev) {
        ctx.diagnostics.push(
          diag('PORT_CLASH', `${f.proto} port ${f.hostPort} is bound twice: by ${prev.what} and by ${owner.what}`, {
            nodes: [...new Set([...prev.nodes, b.id])],
            links: [...prev.links],
            path: at(i, 'hostPort'),
            fix: { label: `Give hostfwd ${forwardText(f)} of ${b.id} another host port` },
          }),
        );
        return;
      }
      if (f.hostAddr === '0.0.0.0')
        ctx.diagnostics.push(
          diag(
            'HOSTFWD_ALL_INTERFACES',
            `${b.id}: hostfwd ${forwardText(f)} listens on every host interface, so anyone on your network can reach the guest`,
            {
              nodes: [b.id],
              path: at(i, 'hostAddr'),
              fix: {
                label: 'Bind it to 127.0.0.1',
                action: { kind: 'set-field', node: b.id, path: ['hostfwd', i, 'hostAddr'], value: '127.0.0.1' },
              },
            },
          ),
        );
      const ports = byVm.get(vm) ?? [];
      ports.push({ proto: f.proto, host: f.hostAddr, port: f.hostPort, what: 'hostfwd', node: b.id, bridge: true });
      byVm.set(vm, ports);
    });
  }
  return byVm;
}

/**
 * The namespace steps of the published forwards (labs of their own namespace only): route_localnet on each bridge,
 * one nftables table with a DNAT from the namespace's loopback port to the guest and a masquerade towards it.
 * `published`: the forwards bridgeForwards accepted (by VM), so only those get rules. In a netns lab they take root,
 * as every step there does; in a rootless lab's namespace its user is root already.
 */
export function publishSteps(ctx: Ctx, published: ReadonlyMap<string, readonly BoundPort[]>): Step[] {
  if (!publishes(ctx) || published.size === 0) return [];
  const needsRoot = ctx.target.isolation !== 'userns';
  const accepted = new Set([...published.values()].flat().map((p) => `${p.node}/${p.proto}/${p.port}`));
  const out: Step[] = [
    {
      id: 'publish-table',
      argv: ['nft', 'create', 'table', 'ip', TABLE],
      undo: null,
      needsRoot,
      description: `Create nftables table ${TABLE} for the ports guests publish`,
    },
  ];
  for (const [chain, hook, priority] of [
    ['output', 'output', '-100'],
    ['postrouting', 'postrouting', '100'],
  ] as const)
    out.push({
      id: `publish-${chain}`,
      argv: [
        'nft',
        'add',
        'chain',
        'ip',
        TABLE,
        chain,
        '{',
        'type',
        'nat',
        'hook',
        hook,
        'priority',
        priority,
        ';',
        '}',
      ],
      undo: null,
      needsRoot,
      description: `Add a ${hook} NAT chain to ${TABLE}`,
    });
  for (const b of publishing(ctx)) {
    const br = ctx.bridgeNames.get(b.id) ?? b.id;
    const mine = b.hostfwd.filter((f) => accepted.has(`${b.id}/${f.proto}/${f.hostPort}`));
    if (mine.length === 0) continue;
    out.push({
      id: `publish-${b.id}-localnet`,
      // The slash form: a bridge name may hold a dot, which the dotted form would read as a separator.
      argv: ['sysctl', '-w', `net/ipv4/conf/${br}/route_localnet=1`],
      undo: null,
      needsRoot,
      description: `Let connections from the namespace's loopback go out to bridge ${br}`,
    });
    mine.forEach((f) => {
      const key = `${b.id}-${f.proto}-${f.hostPort}`;
      out.push({
        id: `publish-${key}`,
        argv: [
          'nft',
          'add',
          'rule',
          'ip',
          TABLE,
          'output',
          'ip',
          'daddr',
          '127.0.0.1',
          f.proto,
          'dport',
          String(f.hostPort),
          'dnat',
          'to',
          `${f.guestAddr}:${f.guestPort}`,
        ],
        undo: null,
        needsRoot,
        description: `Send ${f.proto} port ${f.hostPort} of the namespace's loopback to ${f.guestAddr}:${f.guestPort}`,
      });
      out.push({
        id: `publish-${key}-masquerade`,
        argv: [
          'nft',
          'add',
          'rule',
          'ip',
          TABLE,
          'postrouting',
          'oifname',
          br,
          'ip',
          'daddr',
          f.guestAddr,
          f.proto,
          'dport',
          String(f.guestPort),
          'masquerade',
        ],
        undo: null,
        needsRoot,
        description: `Masquerade those connections from bridge ${br}'s address, so ${f.guestAddr} answers through it`,
      });
    });
  }
  return out;
}
