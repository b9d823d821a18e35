/**
 * Packet capture of a whole bridge segment of a running lab: Wireshark's `dumpcap` listening on the lab's bridge
 * inside the lab's network (placed by LabRunner.inLab, the one way a tool runs there), writing a pcap into a file we
 * made first in the lab's directory (O_EXCL, O_NOFOLLOW: its stdout, so the tool opens no path of its own). dumpcap,
 * not tcpdump: tcpdump started as root always drops to its `tcpdump` user with setgroups, which a rootless lab's
 * user namespace (one uid mapped, setgroups denied) refuses, so it cannot run there at all. The bridge is the plan's
 * fact (`HostStep.segment`, an external bridge in `needs.bridges`), never read back from argv.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import type { ApiError, Result } from '../../shared/api';
import type { LabPlan } from '../../shared/compiler/plan';
import { newCaptureFile } from './capture';
import { findProgram } from './which';

/** A capture running on a bridge segment. */
export interface SegmentCapture {
  /** The bridge node. */
  readonly node: string;
  /** Its interface in the lab's network. */
  readonly bridge: string;
  readonly file: string;
  readonly child: ChildProcess;
}

type Fail = { readonly ok: false; readonly error: ApiError };
const failed = (code: ApiError['code'], message: string): Fail => ({ ok: false, error: { code, message } });

const READY_MS = 15_000;
const STOP_MS = 5_000;

/** Each bridge node of the plan and the interface that carries its segment. */
export function segmentsOf(plan: LabPlan): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const s of plan.hostSteps) if (s.segment !== undefined && s.creates) out.set(s.segment, s.creates.name);
  for (const b of plan.needs.bridges) out.set(b.node, b.name);
  return out;
}

/** Resolves once the child exits (at once when it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('close', () => resolve()));
}

/** The bridge-segment captures of one lab while it runs. */
export class SegmentCaptures {
  private readonly segments: ReadonlyMap<string, string>;
  private readonly running = new Map<string, SegmentCapture>();

  constructor(
    private readonly lab: string,
    private readonly plan: LabPlan,
    private readonly inLab: (argv: readonly string[]) => string[] | null,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.segments = segmentsOf(plan);
  }

  /** True when `node` is a bridge of the lab. */
  has(node: string): boolean {
    return this.segments.has(node);
  }

  /** The bridge nodes of the lab. */
  nodes(): string[] {
    return [...this.segments.keys()];
  }

  /** The pcap of a running capture of the segment, if any. */
  fileOf(node: string): string | undefined {
    return this.running.get(node)?.file;
  }

  /** The segments being captured. */
  captured(): string[] {
    return [...this.running.keys()];
  }

  /** Starts capturing the segment of bridge `node` (one already running is answered as it is). */
  async start(node: string): Promise<Result<{ capture: SegmentCapture }>> {
    const known = this.running.get(node);
    if (known) return { ok: true, capture: known };
    const bridge = this.segments.get(node);
    if (bridge === undefined) return failed('LINK_NOT_FOUND', `lab ${this.lab} has no bridge ${node}`);
    const dumpcap = findProgram('dumpcap', this.env);
    if (!dumpcap)
      return failed(
        'INTERNAL',
        `capturing bridge ${node} needs dumpcap, which is not installed (Debian package wireshark-common, with tshark)`,
      );
    const argv = this.inLab([dumpcap, '-q', '-P', '-i', bridge, '-w', '-']);
    if (!argv) return failed('NOT_RUNNING', `lab ${this.lab} holds no network now, so ${node} cannot be captured`);
    const file = newCaptureFile(this.plan.stateDir, node);
    const fd = openSync(file, constants.O_WRONLY | constants.O_NOFOLLOW);
    let child: ChildProcess;
    try {
      child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', fd, 'pipe'], env: this.env });
    } finally {
      closeSync(fd);
    }
    let said = '';
    child.stderr!.on('data', (d: Buffer) => (said += d.toString()).length > 8192 && (said = said.slice(-4096)));
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READY_MS);
      const check = () => said.includes('Capturing on') && (clearTimeout(timer), resolve(true));
      child.stderr!.on('data', check);
      child.once('error', () => (clearTimeout(timer), resolve(false)));
      child.once('close', () => (clearTimeout(timer), resolve(said.includes('Capturing on'))));
    });
    if (!ready || child.exitCode !== null) {
      child.kill('SIGKILL');
      await exited(child);
      return failed('INTERNAL', `dumpcap could not listen on ${bridge} (${node}): ${said.trim() || 'no answer'}`);
    }
    const capture = { node, bridge, file, child };
    this.running.set(node, capture);
    return { ok: true, capture };
  }

  /** Stops capturing the segment: dumpcap ends (killed when it will not); the pcap stays in the lab's directory. */
  async stop(node: string): Promise<Result<{ capture: SegmentCapture }>> {
    const capture = this.running.get(node);
    if (!capture) return failed('INVALID_REQUEST', `bridge ${node} of lab ${this.lab} is not being captured`);
    this.running.delete(node);
    const { child } = capture;
    child.kill('SIGINT');
    const late = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
    await exited(child);
    clearTimeout(late);
    return { ok: true, capture };
  }
}
