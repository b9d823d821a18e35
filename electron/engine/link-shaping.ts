/**
 * Shaping a running lab's links: the tc argv the compiler writes for a launch (`shapingArgv`) run again on the
 * link's tap, in the lab's network, with new values. Which tap realizes a link and how it was shaped at launch are
 * the plan's facts (`NicFact.tap`, `NicFact.shaping`). netem on a kernel without sch_netem is refused before tc
 * runs, with the module's name.
 */
import type { ApiError, Result } from '../../shared/api';
import type { LabPlan } from '../../shared/compiler/plan';
import { isShaped, netemFields, netemMissing, shapingArgv } from '../../shared/compiler/shaping';
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
  private readonly taps = new Map<string, string>();
  /** How each link is realized when it is no tap of the lab's, for the refusal. */
  private readonly other = new Map<string, string>();
  private readonly atLaunch = new Map<string, LinkShaping>();
  private readonly now = new Map<string, LinkShaping>();

  constructor(private readonly o: LinkShapingOptions) {
    for (const vm of o.plan.vms)
      for (const n of vm.nics) {
        if (n.link === null) continue;
        if (n.tap !== undefined) this.taps.set(n.link, n.tap);
        else if (n.realization !== null) this.other.set(n.link, n.realization);
        if (n.shaping !== undefined) this.atLaunch.set(n.link, n.shaping);
      }
    this.reset();
  }

  /** The link's tap and shaping, for its status. */
  of(link: string): { tap?: string; shaping?: LinkShaping } {
    const tap = this.taps.get(link);
    const shaping = this.now.get(link);
    return { ...(tap !== undefined ? { tap } : {}), ...(shaping !== undefined ? { shaping } : {}) };
  }

  /** Back to the plan's shaping (a fresh launch applies it again). */
  reset(): void {
    this.now.clear();
    for (const [link, s] of this.atLaunch) this.now.set(link, s);
  }

  /** Gives the link this shaping (nothing set takes it off), or says why it cannot. */
  async set(link: string, shaping: LinkShaping): Promise<Result<{ shaping: LinkShaping | undefined }>> {
    const tap = this.taps.get(link);
    if (tap === undefined) {
      const how = this.other.get(link);
      return failed(
        'SHAPING_UNAVAILABLE',
        `link ${link} of lab ${this.o.lab} cannot be shaped: tc shapes the tap of a link, and ${how ? `this one is realized as ${how}, not a tap of the lab's` : 'it has no tap of the lab\u2019s'} (only a guest NIC linked to a bridge is, when the lab makes the taps)`,
      );
    }
    const netem = netemFields(shaping);
    if (netem.length > 0 && this.o.netem() === false) return failed('SHAPING_UNAVAILABLE', netemMissing(link, netem));
    const next = isShaped(shaping) ? shaping : undefined;
    if (next === undefined && !this.now.has(link)) return { ok: true, shaping: undefined };
    const argv = this.o.inLab(shapingArgv(tap, next));
    if (argv === null) return failed('NOT_RUNNING', `lab ${this.o.lab} holds no network now`);
    const r = await runCommand(argv, { env: this.o.env, timeoutMs: 10_000 });
    if (!r.ok)
      return failed('STEP_FAILED', `tc on tap ${tap} of link ${link} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    if (next === undefined) this.now.delete(link);
    else this.now.set(link, next);
    return { ok: true, shaping: next };
  }
}
