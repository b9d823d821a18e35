/**
 * Link control on a running lab: a link goes down or up by QMP `set_link` on the netdev of each guest NIC on it
 * (both ends of a VM-VM link). On a netdev, QEMU sets the peered NIC down too and tells the guest (carrier lost), so
 * nothing but the link's own ends changes. Which NIC sits on which link and which netdev it is peered with are the
 * plan's facts (`VmPlan.nics`); nothing is read back from argv.
 */
import type { ApiError, LinkStatus, Result } from '../../shared/api';
import type { LabPlan } from '../../shared/compiler/plan';
import type { QmpClient } from './qmp';

/** One guest NIC end of a link. */
export interface LinkEnd {
  /** The guest's node id (its process realizes it) and name (for messages). */
  readonly node: string;
  readonly vm: string;
  readonly nic: string;
  readonly netdev: string;
}

/** Every link with a guest NIC end, in the plan's order, with its ends. */
export function linkEnds(plan: LabPlan): ReadonlyMap<string, readonly LinkEnd[]> {
  const out = new Map<string, LinkEnd[]>();
  for (const vm of plan.vms)
    for (const n of vm.nics) {
      if (n.link === null || n.netdev === null) continue;
      const ends = out.get(n.link) ?? [];
      ends.push({ node: vm.node, vm: vm.name, nic: n.nic, netdev: n.netdev });
      out.set(n.link, ends);
    }
  return out;
}

type Fail = { readonly ok: false; readonly error: ApiError };
const failed = (code: ApiError['code'], message: string): Fail => ({ ok: false, error: { code, message } });

/** The link state of one lab while it runs; `reset` at every launch and stop. */
export class LinkControl {
  private readonly ends: ReadonlyMap<string, readonly LinkEnd[]>;
  private readonly down = new Set<string>();

  constructor(
    private readonly lab: string,
    plan: LabPlan,
    /** The QMP session of the guest realizing `node`, or null when it is not running. */
    private readonly qmpOf: (node: string) => QmpClient | null,
  ) {
    this.ends = linkEnds(plan);
  }

  /** Every controllable link and its state. */
  statuses(): LinkStatus[] {
    return [...this.ends.keys()].map((link) => ({ link, up: !this.down.has(link) }));
  }

  /** Back to every link up (a fresh launch, or a stop). */
  reset(): void {
    this.down.clear();
  }

  /** A guest started again (its NICs come up with carrier): its ends of the links set down are set down again. */
  async reapply(node: string): Promise<void> {
    const qmp = this.qmpOf(node);
    if (!qmp) return;
    for (const link of this.down)
      for (const end of this.ends.get(link) ?? [])
        if (end.node === node) await qmp.execute('set_link', { name: end.netdev, up: false });
  }

  /** The ends of `link`, or why it cannot be controlled. */
  endsOf(link: string): readonly LinkEnd[] | Fail {
    const ends = this.ends.get(link);
    if (ends) return ends;
    const known = [...this.ends.keys()];
    return failed(
      'LINK_NOT_FOUND',
      `lab ${this.lab} has no link ${link} with a guest NIC on it${known.length ? ` (links: ${known.join(', ')})` : ''}`,
    );
  }

  /**
   * Sets the link down or up at every guest NIC end. All ends are checked running first; when QEMU refuses one end,
   * the ends already changed are set back, so a link is never left half down.
   */
  async set(link: string, up: boolean): Promise<Result<{ link: LinkStatus }>> {
    const ends = this.endsOf(link);
    if (!Array.isArray(ends)) return ends as Fail;
    const sessions: QmpClient[] = [];
    for (const end of ends) {
      const qmp = this.qmpOf(end.node);
      if (!qmp || qmp.closed)
        return failed('NOT_RUNNING', `${end.vm} is not running, so link ${link} cannot be set ${up ? 'up' : 'down'}`);
      sessions.push(qmp);
    }
    const done: number[] = [];
    for (const [i, end] of ends.entries()) {
      const r = await sessions[i]!.execute('set_link', { name: end.netdev, up });
      if (!r.ok) {
        for (const j of done) await sessions[j]!.execute('set_link', { name: ends[j]!.netdev, up: !up });
        return failed('INTERNAL', `${end.vm}:${end.nic}: QEMU refused set_link on ${end.netdev}: ${r.error.message}`);
      }
      done.push(i);
    }
    if (up) this.down.delete(link);
    else this.down.add(link);
    return { ok: true, link: { link, up } };
  }
}
