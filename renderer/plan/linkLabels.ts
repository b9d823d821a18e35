import type { LabPlan } from '../../shared/compiler';
import { linkId, linkRule, resolveEndpoint } from '../../shared/model';
import type { Link, Topology } from '../../shared/model';

function optValue(opts: string, key: string): string | undefined {
  return opts
    .split(',')
    .find((p) => p.startsWith(`${key}=`))
    ?.slice(key.length + 1);
}

/** The netdev options QEMU gets for a VM's NIC, read back from its argv (`-device …,id=nic-X` or `-nic …`). */
function netdevOf(argv: readonly string[], nic: string): string | undefined {
  for (let i = 0; i + 1 < argv.length; i++) {
    const opts = argv[i + 1]!;
    if (argv[i] === '-device' && optValue(opts, 'id') === `nic-${nic}`) {
      const netdev = optValue(opts, 'netdev');
      for (let j = 0; j + 1 < argv.length; j++) {
        if (argv[j] === '-netdev' && optValue(argv[j + 1]!, 'id') === netdev) return argv[j + 1];
      }
    }
    if (argv[i] === '-nic' && optValue(opts, 'id') === `nic-${nic}`) return opts;
  }
  return undefined;
}

/** A short label of how QEMU realizes a netdev: `tap qn1a03`, `stream`, `mcast 230.0.0.1:1234`, `hubport`. */
export function describeNetdev(opts: string): string {
  const type = opts.split(',')[0] ?? '';
  if (type === 'tap' || type === 'bridge') {
    const name = optValue(opts, 'ifname') ?? optValue(opts, 'br');
    return name ? `${type} ${name}` : type;
  }
  if (type === 'socket') {
    const mcast = optValue(opts, 'mcast');
    if (mcast) return `mcast ${mcast}`;
    return optValue(opts, 'listen') ? 'socket listen' : optValue(opts, 'connect') ? 'socket connect' : 'socket';
  }
  if (type === 'dgram') {
    const host = optValue(opts, 'remote.host');
    const port = optValue(opts, 'remote.port');
    if (host && /^2(2[4-9]|3\d)\./.test(host)) return `mcast ${host}:${port}`;
    return 'dgram';
  }
  return type;
}

const PLAIN: Record<string, string> = { 'tap-bridge': 'enslaved', 'hub-backend': 'hubport', 'bridge-uplink': 'uplink' };

/** Label per link id: how the compiled plan realizes it, read from the argv of the VM it joins. */
export function linkLabels(t: Topology, plan: LabPlan | null): Map<string, string> {
  const kinds = new Map(t.nodes.map((n) => [n.id, n.kind]));
  const vmPlans = new Map((plan?.vms ?? []).map((v) => [v.node, v]));
  const out = new Map<string, string>();
  t.links.forEach((link: Link, i) => {
    const id = linkId(link, i);
    const ends = [resolveEndpoint(link.a), resolveEndpoint(link.b)];
    const [ka, kb] = ends.map((e) => kinds.get(e.node));
    if (!ka || !kb) return;
    const rule = linkRule(ka, kb);
    if (!rule.ok) return out.set(id, 'refused') as unknown as void;
    let label: string | undefined = PLAIN[rule.realization];
    for (const e of ends) {
      const vm = vmPlans.get(e.node);
      if (label || !vm || !e.port) continue;
      const opts = netdevOf(vm.argv, e.port);
      if (opts) label = describeNetdev(opts);
    }
    out.set(id, label ?? rule.realization);
  });
  return out;
}

let lastLabels: {
  nodes: Topology['nodes'];
  links: Topology['links'];
  plan: LabPlan | null;
  labels: Map<string, string>;
} | null = null;

/** Link labels, recomputed only when nodes, links or the plan change (not when nodes move). */
export function labelsOf(doc: Topology, plan: LabPlan | null): ReadonlyMap<string, string> {
  if (lastLabels && lastLabels.nodes === doc.nodes && lastLabels.links === doc.links && lastLabels.plan === plan)
    return lastLabels.labels;
  lastLabels = { nodes: doc.nodes, links: doc.links, plan, labels: linkLabels(doc, plan) };
  return lastLabels.labels;
}
