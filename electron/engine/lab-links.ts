/**
 * A running lab's links as clients control them: link down/up (link-control.ts) and captures (capture.ts; a bridge
 * node's whole segment, segment-capture.ts, answers by the bridge's id where a link id goes), each change a
 * `linkState` event and a log line. LabRunner owns one and says when the lab runs, stops or is gone.
 */
import type { ApiError, EngineEvent, EngineResponses, LabState, LinkStatus, Result } from '../../shared/api';
import type { LabPlan } from '../../shared/compiler/plan';
import { describeShaping } from '../../shared/compiler/shaping';
import { LinkCaptures } from './capture';
import type { LabLog } from './lab-log';
import { LinkControl } from './link-control';
import type { Journal } from './journal';
import { LinkShapes } from './link-shaping';
import { probeNetem } from './probe-netem';
import type { LinkShaping } from '../../shared/model/schema';
import { PacketFollower } from './packet-follow';
import { readPackets } from './packets';
import type { QmpClient } from './qmp';
import { SegmentCaptures } from './segment-capture';

export interface LabLinksOptions {
  readonly lab: string;
  readonly plan: LabPlan;
  readonly qmpOf: (node: string) => QmpClient | null;
  readonly state: () => LabState;
  readonly emit: (event: EngineEvent) => void;
  readonly log: LabLog;
  /** Environment (PATH) tshark is found and run with. */
  readonly env: NodeJS.ProcessEnv;
  /** argv placed in the lab's network (LabRunner.inLab): a tool run on its links or bridges runs there. */
  readonly inLab: (argv: readonly string[]) => string[] | null;
  /** The lab's journal while it runs (live shaping records the ifbs it makes). */
  readonly journal: () => Journal | null;
}

type Fail = { readonly ok: false; readonly error: ApiError };

export class LabLinks {
  private readonly control: LinkControl;
  private readonly captures: LinkCaptures;
  private readonly shapes: LinkShapes;
  private readonly segments: SegmentCaptures;
  /** Each link's last pcap, kept after its capture stops (and after the lab stops) for the packet list. */
  private readonly lastFile = new Map<string, string>();
  /** The tshark following each live capture for the packet list, with the filter it keeps. */
  private readonly followers = new Map<string, PacketFollower>();

  constructor(private readonly o: LabLinksOptions) {
    this.control = new LinkControl(o.lab, o.plan, o.qmpOf);
    this.captures = new LinkCaptures(o.lab, o.plan, o.qmpOf);
    this.shapes = new LinkShapes({ ...o, netem: () => probeNetem(o.env) });
    this.segments = new SegmentCaptures(o.lab, o.plan, o.inLab, o.env);
  }

  /** A guest started again: its ends of the links set down go down again (a capture on it is not restarted). */
  reapply(node: string): Promise<void> {
    return this.control.reapply(node);
  }

  /** Every link with a guest NIC end: up or down, and its pcap while captured; then each bridge captured. */
  statuses(): LinkStatus[] {
    const segments = this.segments
      .captured()
      .filter((node) => !this.isLink(node))
      .map((node) => ({ link: node, up: true, capture: this.segments.fileOf(node)! }));
    return [...this.control.statuses().map((l) => this.withCapture(l)), ...segments];
  }

  private isLink(name: string): boolean {
    return Array.isArray(this.control.endsOf(name));
  }

  /** A bridge node's segment is meant, not a link: no link has that id. */
  private isSegment(name: string): boolean {
    return !this.isLink(name) && this.segments.has(name);
  }

  /** The link or bridge exists; else why not (naming both). */
  private known(name: string): Fail | null {
    if (this.isLink(name) || this.segments.has(name)) return null;
    const bad = this.control.endsOf(name) as Fail;
    const bridges = this.segments.nodes();
    if (!bridges.length) return bad;
    return {
      ok: false,
      error: {
        ...bad.error,
        message: `${bad.error.message}; bridges, whose segment can be captured: ${bridges.join(', ')}`,
      },
    };
  }

  /** The pcap of the link's (or bridge's) running or last capture, as the engine wrote it; null when never captured. */
  captureFile(name: string): Result<{ file: string | null }> {
    const bad = this.known(name);
    if (bad) return bad;
    return { ok: true, file: this.lastFile.get(name) ?? null };
  }

  private withCapture(l: LinkStatus): LinkStatus {
    const file = this.captures.fileOf(l.link);
    return { link: l.link, up: l.up, ...(file === undefined ? {} : { capture: file }), ...this.shapes.of(l.link) };
  }

  private status(link: string): LinkStatus {
    return this.statuses().find((l) => l.link === link) ?? { link, up: true };
  }

  /** The link when it exists and the lab runs; else why not. */
  private check(link: string): Fail | null {
    const ends = this.control.endsOf(link);
    if (!Array.isArray(ends)) return ends as Fail;
    const state = this.o.state();
    if (state !== 'running')
      return { ok: false, error: { code: 'NOT_RUNNING', message: `lab ${this.o.lab} is not running (${state})` } };
    return null;
  }

  private changed(link: string, message: string): LinkStatus {
    const status = this.status(link);
    this.o.log.add('info', 'link', message);
    this.o.emit({ type: 'linkState', lab: this.o.lab, ...status });
    return status;
  }

  async setLink(link: string, up: boolean): Promise<Result<{ link: LinkStatus }>> {
    const bad = this.check(link);
    if (bad) return bad;
    const r = await this.control.set(link, up);
    if (!r.ok) return r;
    return { ok: true, link: this.changed(link, `link ${link} is ${up ? 'up' : 'down'}`) };
  }

  async setShaping(link: string, shaping: LinkShaping): Promise<Result<{ link: LinkStatus }>> {
    const bad = this.check(link);
    if (bad) return bad;
    const r = await this.shapes.set(link, shaping);
    if (!r.ok) return r;
    const what = r.shaping ? describeShaping(r.shaping) : 'none';
    return { ok: true, link: this.changed(link, `link ${link} shaping: ${what}`) };
  }

  async captureStart(link: string): Promise<Result<{ link: LinkStatus; file: string }>> {
    if (this.isSegment(link)) return this.segmentStart(link);
    const bad = this.check(link);
    if (bad) return bad;
    const had = this.captures.fileOf(link) !== undefined;
    const r = await this.captures.start(link);
    if (!r.ok) return r;
    const { file, end } = r.capture;
    this.lastFile.set(link, file);
    const status = had
      ? this.status(link)
      : this.changed(link, `capturing link ${link} at ${end.vm}:${end.nic} into ${file}`);
    return { ok: true, link: status, file };
  }

  private async segmentStart(node: string): Promise<Result<{ link: LinkStatus; file: string }>> {
    const state = this.o.state();
    if (state !== 'running')
      return { ok: false, error: { code: 'NOT_RUNNING', message: `lab ${this.o.lab} is not running (${state})` } };
    const had = this.segments.fileOf(node) !== undefined;
    const r = await this.segments.start(node);
    if (!r.ok) return r;
    const { file, bridge } = r.capture;
    this.lastFile.set(node, file);
    const status = had ? this.status(node) : this.changed(node, `capturing bridge ${node} (${bridge}) into ${file}`);
    return { ok: true, link: status, file };
  }

  async captureStop(link: string): Promise<Result<{ link: LinkStatus; file: string }>> {
    if (this.isSegment(link)) {
      this.unfollow(link);
      const r = await this.segments.stop(link);
      if (!r.ok) return r;
      const message = `capture of bridge ${link} stopped: ${r.capture.file}`;
      return { ok: true, link: this.changed(link, message), file: r.capture.file };
    }
    const ends = this.control.endsOf(link);
    if (!Array.isArray(ends)) return ends as Fail;
    this.unfollow(link);
    const r = await this.captures.stop(link);
    if (!r.ok) return r;
    return {
      ok: true,
      link: this.changed(link, `capture of link ${link} stopped: ${r.capture.file}`),
      file: r.capture.file,
    };
  }

  /** The packets of the link's running or last capture, decoded by tshark. */
  async packets(link: string, filter: string, after: number): Promise<Result<EngineResponses['capturePackets']>> {
    const bad = this.known(link);
    if (bad) return bad;
    const file = this.lastFile.get(link) ?? null;
    const live = (this.isSegment(link) ? this.segments : this.captures).fileOf(link) !== undefined;
    if (file === null) return { ok: true, file, live, tshark: true, packets: [], more: false };
    const r = live ? await this.follow(link, file, filter, after) : await readPackets(file, filter, after, this.o.env);
    if (r.kind === 'bad-filter')
      return { ok: false, error: { code: 'INVALID_REQUEST', message: `display filter: ${r.message}` } };
    if (r.kind === 'no-tshark') return { ok: true, file, live, tshark: false, packets: [], more: false };
    return { ok: true, file, live, tshark: true, packets: r.packets, more: r.more };
  }

  /**
   * A live capture's rows from the tshark following it, started on the first ask and again when the filter changes:
   * each packet is decoded once, not on every ask.
   */
  private follow(link: string, file: string, filter: string, after: number) {
    let f = this.followers.get(link);
    if (f && (f.file !== file || f.filter !== filter)) {
      f.stop();
      f = undefined;
    }
    f ??= PacketFollower.start(file, filter, this.o.env) ?? undefined;
    if (!f) return Promise.resolve({ kind: 'no-tshark' } as const);
    this.followers.set(link, f);
    return f.read(after, false);
  }

  private unfollow(link: string): void {
    this.followers.get(link)?.stop();
    this.followers.delete(link);
  }

  /** Stops every capture (before the guests go): no filter is left in a QEMU that keeps running. */
  async stopCaptures(): Promise<void> {
    for (const link of this.captures.links()) await this.captureStop(link);
    for (const node of this.segments.captured()) await this.captureStop(node);
  }

  /** Deletes the ifbs live shaping made (before teardown, while the lab's network is there); what failed, said. */
  releaseShaping(): Promise<string[]> {
    return this.shapes.release();
  }

  /** Every link is up again once its guests are gone; clients are told of each one that was down. */
  reset(): void {
    const down = this.control.statuses().filter((l) => !l.up);
    this.control.reset();
    this.shapes.reset();
    for (const link of [...this.followers.keys()]) this.unfollow(link);
    for (const l of down) this.o.emit({ type: 'linkState', lab: this.o.lab, link: l.link, up: true });
  }
}
