/**
 * Shaping a running lab's links: the tc argv the compiler writes for a launch (`shapingArgv`) run again on the
 * link's tap and its ifb (both directions), in the lab's network, with new values. Which tap and ifb shape a link
 * and how it was shaped at launch are the plan's facts (`NicFact.tap`, `NicFact.ifb`, `NicFact.shaping`). A link
 * unshaped at launch has no ifb yet: the first shaping makes it with the compiler's `ifbArgvs`, and it stays (an
 * unshaped ifb passes everything) until the lab stops, when the engine deletes the ifbs it made (those of the
 * launch are the plan's steps, undone with the rest). netem on a kernel without sch_netem is refused before tc
 * runs, with the module's name.
 */
import type { ApiError, Result } from '../../shared/api';
import type { LabPlan } from '../../shared/compiler/plan';
import { ifbArgvs, isShaped, netemFields, netemMissing, shapingArgv } from '../../shared/compiler/shaping';
import type { ShapedTap } from '../../shared/compiler/shaping';
import type { LinkShaping } from '../../shared/model/schema';
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
    const makeIfb = ifb !== undefined && next !== undefined && !this.madeIfbs.has(link) && !this.atLaunch.has(link);
    const steps: string[][] = [];
    if (makeIfb) {
      const a = ifbArgvs({ tap: t.tap, ifb });
      steps.push(a.add, a.up, a.ingress, a.redirect);
    }
    steps.push(shapingArgv(t.tap, next));
    if (ifb !== undefined) steps.push(shapingArgv(ifb, next));
    for (const [i, step] of steps.entries()) {
      const failure = await this.run(step);
      if (failure !== null)
        return failed(failure.code, `${step.slice(0, 2).join(' ')} for link ${link} failed: ${failure.message}`);
      if (i === 0 && makeIfb) this.madeIfbs.add(link);
    }
    if (next === undefined) this.now.delete(link);
    else this.now.set(link, next);
    return { ok: true, shaping: next };
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
      const failure = await this.run(['ip', 'link', 'del', ifb]);
      if (failure !== null && failure.code !== 'NOT_RUNNING')
        failures.push(`ip link del ${ifb} of link ${link}: ${failure.message}`);
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
