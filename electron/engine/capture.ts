/**
 * Packet capture on a running lab's link: QEMU's own `filter-dump` object added over QMP to the netdev of a guest
 * NIC on the link, writing a pcap into the lab's state directory, removed (`object-del`) on stop. One end is enough:
 * the netdev's filter sees both directions (queue all), and every frame of a link crosses each of its ends. The
 * file is made by us first (O_EXCL, O_NOFOLLOW, 0600) in the lab's directory, which is the user's alone, so QEMU
 * opens a file we created; nothing else of the user's is ever written. Ends are the plan's facts (link-control.ts).
 */
import { closeSync, constants, openSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiError, Result } from '../../shared/api';
import type { LabPlan } from '../../shared/compiler/plan';
import { linkEnds, type LinkEnd } from './link-control';
import type { QmpClient } from './qmp';

/** A capture running on a link. */
export interface RunningCapture {
  readonly link: string;
  /** The pcap QEMU writes. */
  readonly file: string;
  /** The guest NIC end it is taken at. */
  readonly end: LinkEnd;
  /** The filter-dump object's QOM id. */
  readonly object: string;
}

type Fail = { readonly ok: false; readonly error: ApiError };
const failed = (code: ApiError['code'], message: string): Fail => ({ ok: false, error: { code, message } });

/** Creates `capture-<link>-<n>.pcap` in `dir` for the first free n: a new file of ours, never one that was there. */
export function newCaptureFile(dir: string, link: string): string {
  for (let n = 1; ; n++) {
    const file = join(dir, `capture-${link}-${n}.pcap`);
    try {
      closeSync(
        openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600),
      );
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** The captures of one lab while it runs. */
export class LinkCaptures {
  private readonly ends: ReadonlyMap<string, readonly LinkEnd[]>;
  private readonly running = new Map<string, RunningCapture>();

  constructor(
    private readonly lab: string,
    private readonly plan: LabPlan,
    /** The QMP session of the guest realizing `node`, or null when it is not running. */
    private readonly qmpOf: (node: string) => QmpClient | null,
  ) {
    this.ends = linkEnds(plan);
  }

  /** The pcap of a running capture of `link`, if any. */
  fileOf(link: string): string | undefined {
    return this.running.get(link)?.file;
  }

  /** The links being captured. */
  links(): string[] {
    return [...this.running.keys()];
  }

  /** Starts capturing `link` (an already running capture is answered as it is). */
  async start(link: string): Promise<Result<{ capture: RunningCapture }>> {
    const known = this.running.get(link);
    if (known) return { ok: true, capture: known };
    const ends = this.ends.get(link);
    if (!ends)
      return failed(
        'LINK_NOT_FOUND',
        `lab ${this.lab} has no link ${link} with a guest NIC on it, so it cannot be captured there${this.ends.size ? ` (links: ${[...this.ends.keys()].join(', ')})` : ''}`,
      );
    const at = ends.map((end) => ({ end, qmp: this.qmpOf(end.node) })).find((x) => x.qmp && !x.qmp.closed);
    if (!at?.qmp) return failed('NOT_RUNNING', `no guest on link ${link} is running, so it cannot be captured`);
    const file = newCaptureFile(this.plan.stateDir, link);
    const object = `qnet-capture-${link}`;
    const r = await at.qmp.execute('object-add', {
      'qom-type': 'filter-dump',
      id: object,
      netdev: at.end.netdev,
      file,
    });
    if (!r.ok)
      return failed(
        'INTERNAL',
        `${at.end.vm}:${at.end.nic}: QEMU refused filter-dump on ${at.end.netdev}: ${r.error.message}`,
      );
    const capture = { link, file, end: at.end, object };
    this.running.set(link, capture);
    return { ok: true, capture };
  }

  /** Stops capturing `link`: the filter is removed; the pcap stays in the lab's directory. */
  async stop(link: string): Promise<Result<{ capture: RunningCapture }>> {
    const capture = this.running.get(link);
    if (!capture) return failed('INVALID_REQUEST', `link ${link} of lab ${this.lab} is not being captured`);
    this.running.delete(link);
    const qmp = this.qmpOf(capture.end.node);
    // A guest that is gone took its filter with it.
    if (qmp && !qmp.closed) {
      const r = await qmp.execute('object-del', { id: capture.object });
      if (!r.ok)
        return failed(
          'INTERNAL',
          `QEMU refused to remove ${capture.object} from ${capture.end.vm}: ${r.error.message}`,
        );
    }
    return { ok: true, capture };
  }
}
