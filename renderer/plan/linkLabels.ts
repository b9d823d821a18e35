import type { LabPlan } from '../../shared/compiler';
import { linkId, linkRule, resolveEndpoint } from '../../shared/model';
import type { Link, Topology } from '../../shared/model';

const PLAIN: Record<string, string> = {
  'tap-bridge': 'enslaved',
  'hub-backend': 'hubport',
  'bridge-uplink': 'uplink',
  'uml-vde': 'vde',
  'uml-bridge': 'tap',
};

/** Label per link id: how the compiled plan realizes it (what the plan says of the NIC at its VM end). */
export function linkLabels(t: Topology, plan: LabPlan | null): Map<string, string> {
  const kinds = new Map(t.nodes.map((n) => [n.id, n.kind]));
  const groups = new Map(
    t.nodes.flatMap((n) => (n.kind === 'mcast' ? [[n.id, `mcast ${n.group}:${n.port}`] as const] : [])),
  );
  const vmPlans = new Map((plan?.vms ?? []).map((v) => [v.node, v]));
  const out = new Map<string, string>();
  t.links.forEach((link: Link, i) => {
    const id = linkId(link, i);
    const ends = [resolveEndpoint(link.a), resolveEndpoint(link.b)];
    const [ka, kb] = ends.map((e) => kinds.get(e.node));
    if (!ka || !kb) return;
    const rule = linkRule(ka, kb);
    if (!rule.ok) return out.set(id, 'refused') as unknown as void;
    // A UML interface joins the segment's group itself (no QEMU NIC to ask): the segment says where.
    let label: string | undefined =
      rule.realization === 'uml-mcast'
        ? ends.map((e) => groups.get(e.node)).find((g) => g !== undefined)
        : PLAIN[rule.realization];
    for (const e of ends) {
      const vm = vmPlans.get(e.node);
      if (label || !vm || !e.port) continue;
      label = vm.nics.find((n) => n.nic === e.port)?.realization ?? undefined;
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
