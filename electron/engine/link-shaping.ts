/**
 * Shaping a running lab's links: the tc argv the compiler writes for a launch (`shapingArgv`) run again on the
 * link's tap and its ifb (both directions), in the lab's network, with new values. Which tap and ifb shape a link
 * and how it was shaped at launch are the plan's facts (`NicFact.tap`, `NicFact.ifb`, `NicFact.shaping`). A link
 * unshaped at launch has no ifb yet: the first shaping makes it with the compiler's `ifbArgvs`, and it stays (an
 * unshaped ifb passes everything) until the lab stops, when the engine deletes the ifbs it made (those of the
 * launch are the plan's steps, undone with the rest). A live-made ifb is journaled as a step before it is made, so
 * recovery after a crash deletes it too; a setup failing half way is undone, so the next shaping starts afresh.
 * netem on a kernel without sch_netem is refused before tc
 * runs, with the module's name.
 */
import type { ApiError, Result } from '../../shared/api';
import type { HostStep, LabPlan } from '../../shared/compiler/plan';
import { deleteArgv } from '../../shared/compiler/undo';
import { ifbArgvs, isShaped, netemFields, netemMissing, shapingArgv } from '../../shared/compiler/shaping';
import type { ShapedTap } from '../../shared/compiler/shaping';
import type { LinkShaping } from '../../shared/model/schema';
import type { Journal } from './journal';
import { runCommand } from './run-command';

type Fail = { readonly ok: false; readonly error: ApiError };
const failed = (code: ApiError['code'], message: string): Fail => ({ ok: false, error: { code, message } });

export interface LinkShapingOptions {
  readonly lab: string;
  readonly plan: LabPlan;
  /** argv placed in the lab's network, or null while it has none (LabRunner.inLab). */
  readonly inLab: (argv: readonly string[]) => string[] | null;
  readonly env: NodeJS.ProcessEnv;
  /** Whether the kernel has sch_netem (undefined: unknown, tc is asked). */
  readonly netem: () => boolean | undefined;
  /** The lab's journal while it runs (a live-made ifb on the host or in a named namespace is recorded there). */
  readonly journal: () => Journal | null;
}

/** Each tap-realized link's tap and current shaping, for one lab. */
export class LinkShapes {
  private readonly taps = new Map<string, ShapedTap>();
  /** How each link is realized when it is no tap of the lab's, for the refusal. */
  private readonly other = new Map<string, string>();
  private readonly atLaunch = new Map<string, LinkShaping>();
  private readonly now = new Map<string, LinkShaping>();
  /** Links whose ifb the engine made while the lab ran (not a step of the plan): deleted at stop. */
  private readonly madeIfbs = new Set<string>();

  constructor(private readonly o: LinkShapingOptions) {
    for (const vm of o.plan.vms)
      for (const n of vm.nics) {
        if (n.link === null) continue;
        if (n.tap !== undefined) this.taps.set(n.link, { tap: n.tap, ...(n.ifb !== undefined ? { ifb: n.ifb } : {}) });
        else if (n.realization !== null) this.other.set(n.link, n.realization);
        if (n.shaping !== undefined) this.atLaunch.set(n.link, n.shaping);
      }
    this.reset();
  }

  /** The link's tap and shaping, for its status. */
  of(link: string): { tap?: string; shaping?: LinkShaping } {
    const tap = this.taps.get(link)?.tap;
    const shaping = this.now.get(link);
    return { ...(tap !== undefined ? { tap } : {}), ...(shaping !== undefined ? { shaping } : {}) };
  }

  /** Back to the plan's shaping (a fresh launch applies it again). */
  reset(): void {
    this.madeIfbs.clear();
    this.now.clear();
    for (const [link, s] of this.atLaunch) this.now.set(link, s);
  }

  /** Gives the link this shaping (nothing set takes it off), or says why it cannot. */
  async set(link: string, shaping: LinkShaping): Promise<Result<{ shaping: LinkShaping | undefined }>> {
    const t = this.taps.get(link);
    if (t === undefined) {
      const how = this.other.get(link);
      return failed(
        'SHAPING_UNAVAILABLE',
        `link ${link} of lab ${this.o.lab} cannot be shaped: tc shapes the tap of a link, and ${how ? `this one is realized as ${how}, not a tap of the lab's` : 'it has no tap of the lab\u2019s'} (only a guest NIC linked to a bridge, when the lab makes the taps, or to a tap node is)`,
      );
    }
    const netem = netemFields(shaping);
    if (netem.length > 0 && this.o.netem() === false) return failed('SHAPING_UNAVAILABLE', netemMissing(link, netem));
    const next = isShaped(shaping) ? shaping : undefined;
    if (next === undefined && !this.now.has(link)) return { ok: true, shaping: undefined };
    // A plan without the link's ifb (a kernel without one) shapes toward the guest only, as its launch did.
    const ifb = t.ifb;
    if (ifb !== undefined && next !== undefined && !this.madeIfbs.has(link) && !this.atLaunch.has(link)) {
      const made = await this.makeIfb(link, t.tap, ifb);
      if (made !== null) return made;
    }
    const steps = [shapingArgv(t.tap, next), ...(ifb !== undefined ? [shapingArgv(ifb, next)] : [])];
    for (const step of steps) {
      const failure = await this.run(step);
      if (failure !== null)
        return failed(failure.code, `${step.slice(0, 2).join(' ')} for link ${link} failed: ${failure.message}`);
    }
    if (next === undefined) this.now.delete(link);
    else this.now.set(link, next);
    return { ok: true, shaping: next };
  }

  /**
   * Makes the link's ifb and sends what its tap receives through it, or undoes what it did and says why. Only what
   * these steps made is undone: an ingress qdisc already on the tap, or an interface already called `ifb`, is not
   * the lab's.
   */
  private async makeIfb(link: string, tap: string, ifb: string): Promise<Fail | null> {
    const a = ifbArgvs({ tap, ifb });
    const del = deleteArgv({ kind: 'ifb', name: ifb });
    const step: HostStep = {
      id: `ifb-${link}`,
      argv: a.add,
      undo: del,
      needsRoot: true,
      description: `Create ifb ${ifb} for what link ${link}'s guest sends`,
      inNetns: this.o.plan.netns !== null,
    };
    // A userns lab's ifb ends with its namespace, which recovery ends with the holder: nothing to journal.
    const journal = this.o.plan.target.isolation === 'userns' ? null : this.o.journal();
    const begun = journal?.beginStep(step, this.o.plan.netns);
    if (begun?.ok === false) return failed('STEP_FAILED', `ifb ${ifb} for link ${link}: ${begun.error.message}`);
    const added = await this.run(a.add);
    if (added !== null) {
      journal?.failedStep(step.id);
      return failed(added.code, `ip link add ${ifb} for link ${link} failed: ${added.message}`);
    }
    journal?.doneStep(step.id);
    const undos: string[][] = [del];
    const rest: [readonly string[], string, string[] | null][] = [
      [a.up, `ip link set ${ifb} up`, null],
      [a.ingress, `tc qdisc add dev ${tap} ingress`, ['tc', 'qdisc', 'del', 'dev', tap, 'ingress']],
      [a.redirect, `tc filter add dev ${tap} (redirect to ${ifb})`, null],
    ];
    for (const [argv, what, undo] of rest) {
      const failure = await this.run(argv);
      if (failure === null) {
        if (undo !== null) undos.unshift(undo);
        continue;
      }
      const left: string[] = [];
      for (const u of undos) {
        const f = await this.run(u);
        if (f !== null) left.push(`${u.join(' ')}: ${f.message}`);
        else if (u === del) journal?.undoneStep(step.id);
      }
      const after = left.length > 0 ? `; undoing it failed too (${left.join('; ')})` : '; what it made was undone';
      return failed(failure.code, `${what} for link ${link} failed: ${failure.message}${after}`);
    }
    this.madeIfbs.add(link);
    return null;
  }

  /**
   * Deletes the ifbs made while the lab ran, while its network is still there; failures are said, not thrown. A lab
   * whose namespace is gone (its holder died) lost its ifbs with it: nothing is left to delete.
   */
  async release(): Promise<string[]> {
    const failures: string[] = [];
    for (const link of this.madeIfbs) {
      const ifb = this.taps.get(link)?.ifb;
      if (ifb === undefined) continue;
      const failure = await this.run(deleteArgv({ kind: 'ifb', name: ifb }));
      if (failure === null) this.o.journal()?.undoneStep(`ifb-${link}`);
      else if (failure.code !== 'NOT_RUNNING') failures.push(`ip link del ${ifb} of link ${link}: ${failure.message}`);
    }
    this.madeIfbs.clear();
    return failures;
  }

  private async run(argv: readonly string[]): Promise<ApiError | null> {
    const placed = this.o.inLab(argv);
    if (placed === null) return { code: 'NOT_RUNNING', message: `lab ${this.o.lab} holds no network now` };
    const r = await runCommand(placed, { env: this.o.env, timeoutMs: 10_000 });
    return r.ok ? null : { code: 'STEP_FAILED', message: r.stderr.trim() || `exit ${r.code}` };
  }
}
