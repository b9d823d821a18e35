/**
 * A link's shaping as `tc` commands on the tap that realizes it: the compiler writes them as host steps (so up.sh
 * and the Commands panel show them) and the engine runs the same argv to change a running lab's link. A rate alone
 * is a token bucket (tbf); delay, jitter, loss and duplication need netem (sch_netem), which also takes the rate.
 * `replace` both adds and changes a root qdisc, so one command serves a launch and a live change.
 *
 * A qdisc shapes only what a device sends, and a tap sends toward its guest. What the guest sends arrives on the
 * tap's ingress, which has no queue to shape; so that direction is redirected (u32 match-all, mirred) to an ifb
 * device of the link's, whose root qdisc gets the same shaping: the link is limited both ways, as a cable would be.
 */
import type { LinkShaping } from '../model/schema';

/** The netem-only fields of a shaping, in the order tc takes them. */
const NETEM_FIELDS = ['delay', 'jitter', 'loss', 'duplicate'] as const;

/** True when the shaping sets anything. */
export function isShaped(s: LinkShaping | undefined): s is LinkShaping {
  return s !== undefined && (s.rate !== undefined || NETEM_FIELDS.some((f) => s[f] !== undefined));
}

/** The fields of a shaping that need the kernel's netem qdisc (empty for a rate alone). */
export function netemFields(s: LinkShaping | undefined): string[] {
  return s === undefined ? [] : NETEM_FIELDS.filter((f) => s[f] !== undefined);
}

const RATE_UNIT: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** A tc rate (`1mbit`) in bits per second. */
export function rateBits(rate: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)([a-z]+)$/.exec(rate);
  return m ? Number(m[1]) * (RATE_UNIT[m[2] ?? ''] ?? 1) : Number.NaN;
}

/**
 * The token bucket's size: 10 ms of the rate, and never under two full frames (a bucket smaller than a frame
 * passes nothing).
 */
function burstBytes(rate: string): number {
  return Math.max(Math.ceil(rateBits(rate) / 8 / 100), 3028);
}

/** One line of the shaping for humans: `rate 1mbit, delay 20ms ± 5ms, loss 1%`. */
export function describeShaping(s: LinkShaping): string {
  const parts: string[] = [];
  if (s.rate !== undefined) parts.push(`rate ${s.rate}`);
  if (s.delay !== undefined || s.jitter !== undefined)
    parts.push(`delay ${s.delay ?? '0ms'}${s.jitter !== undefined ? ` ± ${s.jitter}` : ''}`);
  if (s.loss !== undefined) parts.push(`loss ${s.loss}%`);
  if (s.duplicate !== undefined) parts.push(`duplicate ${s.duplicate}%`);
  return parts.join(', ');
}

/** The tc argv that gives `tap` this shaping (its root qdisc replaced), or takes it off when nothing is set. */
export function shapingArgv(tap: string, s: LinkShaping | undefined): string[] {
  if (!isShaped(s)) return ['tc', 'qdisc', 'del', 'dev', tap, 'root'];
  if (netemFields(s).length === 0) {
    const rate = s.rate ?? '';
    return [
      'tc',
      'qdisc',
      'replace',
      'dev',
      tap,
      'root',
      'tbf',
      'rate',
      rate,
      'burst',
      String(burstBytes(rate)),
      'latency',
      '100ms',
    ];
  }
  const argv = ['tc', 'qdisc', 'replace', 'dev', tap, 'root', 'netem'];
  if (s.delay !== undefined || s.jitter !== undefined) argv.push('delay', s.delay ?? '0ms');
  if (s.jitter !== undefined) argv.push(s.jitter);
  if (s.loss !== undefined) argv.push('loss', `${s.loss}%`);
  if (s.duplicate !== undefined) argv.push('duplicate', `${s.duplicate}%`);
  if (s.rate !== undefined) argv.push('rate', s.rate);
  return argv;
}

/**
 * The shaped devices of a link: the tap that realizes it (toward the guest) and its ifb (from the guest), absent
 * on a kernel that cannot redirect to one.
 */
export interface ShapedTap {
  readonly tap: string;
  readonly ifb?: string;
}

/** The argv that make a link's ifb and send what its tap receives through it; an unshaped ifb passes all. */
export interface IfbArgvs {
  readonly add: string[];
  readonly up: string[];
  /** The tap's ingress qdisc, where filters can see what the guest sends. */
  readonly ingress: string[];
  readonly redirect: string[];
}

/** The argv that make a link's ifb and redirect its tap's ingress to it (run in the order of the fields). */
export function ifbArgvs(t: Required<ShapedTap>): IfbArgvs {
  return {
    add: ['ip', 'link', 'add', t.ifb, 'type', 'ifb'],
    up: ['ip', 'link', 'set', t.ifb, 'up'],
    ingress: ['tc', 'qdisc', 'add', 'dev', t.tap, 'ingress'],
    // u32 with an empty match: cls_matchall is a module many kernels lack, u32 is everywhere.
    redirect: [
      'tc',
      'filter',
      'add',
      'dev',
      t.tap,
      'parent',
      'ffff:',
      'protocol',
      'all',
      'u32',
      'match',
      'u32',
      '0',
      '0',
      'action',
      'mirred',
      'egress',
      'redirect',
      'dev',
      t.ifb,
    ],
  };
}

/** Why a link is shaped toward its guest only: the sentence of the compiler's warning. */
export function ifbMissing(link: string): string {
  return `link ${link}: only what reaches its guest is shaped: shaping what the guest sends needs the kernel's ifb device and ingress redirect (modules ifb, cls_u32, act_mirred; CONFIG_IFB), which this kernel does not have`;
}

/** Why netem fields cannot be applied on a kernel without sch_netem: the sentence preflight and the inspector say. */
export function netemMissing(link: string, fields: readonly string[]): string {
  return `link ${link}: ${fields.join(', ')} need${fields.length === 1 ? 's' : ''} the kernel's netem queueing discipline (module sch_netem), which this kernel does not have (CONFIG_NET_SCH_NETEM); remove ${fields.length === 1 ? 'it' : 'them'}, or run the lab on a kernel with sch_netem (a rate alone needs only tbf)`;
}
