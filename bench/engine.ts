// Engine budgets: launch of a 6-guest lab through the engine vs through the exported up.sh (ratio), rootless
// (isolation userns) vs in a named namespace (netns) with the time to every guest's ready line for both, and console
// throughput from a guest flooding its serial port to a subscriber, with the engine's memory sampled meanwhile.
// Needs root (the netns labs live in named network namespaces), QEMU and the tiny guest (built here when missing).
// The rootless lab is launched by this root engine: the same holder and nsenter path a user's lab takes.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, netnsName } from '../shared/compiler';
import { CURRENT_VERSION, Topology } from '../shared/model';
import { emitScripts } from '../shared/emit/scripts';
import type { EngineEvent } from '../shared/api';
import { createEngine } from '../electron/engine/engine';
import { assembleTarget } from '../shared/compiler/target';
import { machinePairs } from '../shared/compiler/machine';
import { probeHost } from '../electron/engine/host-probe';
import { buildTinyGuest } from '../electron/guest/build';

export interface EngineFigures {
  /** The lab in a named namespace root makes (isolation netns). */
  readonly launchEngineMs: number;
  /** The same lab rootless (isolation userns: unshare's holder, every step and guest entered with nsenter). */
  readonly launchUsernsMs: number;
  /** From the launch request to every guest's ready line, netns and userns. */
  readonly readyNetnsMs: number;
  readonly readyUsernsMs: number;
  readonly launchScriptMs: number;
  readonly consoleMBps: number;
  readonly consoleBytes: number;
  readonly rssGrowthMB: number;
}

const NO_KVM = { usable: false, reason: 'bench runs on TCG' } as const;
const RUNS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Six tiny guests on one VDE switch. */
function sixGuests(name: string): Topology {
  const vms = Array.from({ length: 6 }, (_, i) => ({
    id: `g${i + 1}`,
    kind: 'vm' as const,
    memory: 128,
    nics: [{ id: 'eth0', ip: `10.0.60.${i + 1}/24` }],
  }));
  return Topology.parse({
    version: CURRENT_VERSION,
    name,
    nodes: [...vms, { id: 'sw', kind: 'vde' }],
    links: vms.map((v) => ({ a: `${v.id}:eth0`, b: 'sw' })),
  });
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One launch through the exported scripts: up.sh returns once every guest's QMP socket is up. */
async function launchByScript(base: string, run: number): Promise<number> {
  const topology = sixGuests(`bench-sh${run}`);
  const target = assembleTarget(await probeHost({ pairs: machinePairs(topology), kvm: NO_KVM }), {
    isolation: 'netns',
    stateDir: join(base, 'sh'),
  });
  const emitted = emitScripts(compile(topology, target));
  if (!emitted.ok) throw new Error(emitted.errors.map((e) => e.message).join('; '));
  const dir = join(base, `scripts${run}`);
  mkdirSync(dir, { recursive: true });
  for (const f of emitted.files) {
    writeFileSync(join(dir, f.path), f.content);
    chmodSync(join(dir, f.path), f.mode);
  }
  const t0 = performance.now();
  const up = spawnSync('bash', [join(dir, 'up.sh')], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  spawnSync('bash', [join(dir, 'down.sh')], { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`up.sh failed: ${up.stderr.slice(-400)}`);
  return ms;
}

type Engine = ReturnType<typeof createEngine>;

/**
 * One launch of the six guests through the engine with `isolation`: the time until the launch answered, and until
 * every guest printed its ready line (read from each console's backlog and the events after it).
 */
async function launchToReady(
  engine: Engine,
  lab: string,
  isolation: 'netns' | 'userns',
): Promise<{ launchMs: number; readyMs: number }> {
  const text = new Map<string, string>();
  const off = engine.subscribe((e: EngineEvent) => {
    if (e.type === 'console' && e.lab === lab) text.set(e.vm, (text.get(e.vm) ?? '') + e.data);
  });
  try {
    const t0 = performance.now();
    const launched = await engine.request({
      type: 'launch',
      source: { kind: 'document', topology: sixGuests(lab) },
      options: { isolation },
    });
    const launchMs = performance.now() - t0;
    if (!launched.ok) throw new Error(`engine launch (${isolation}) failed: ${launched.error.message}`);
    const vms = launched.status.vms.map((v) => v.vm);
    for (const vm of vms) {
      const sub = await engine.request({ type: 'consoleSubscribe', lab, vm, fromSeq: 0 });
      if (!sub.ok) throw new Error(`console subscribe failed: ${sub.error.message}`);
      text.set(vm, sub.backlog + (text.get(vm) ?? ''));
    }
    await until(
      `${lab}: every guest's ready line`,
      () => vms.every((vm) => text.get(vm)?.includes('QNET-READY')),
      240_000,
    );
    return { launchMs, readyMs: performance.now() - t0 };
  } finally {
    off();
  }
}

/** Runs the engine bench; returns null (saying why) where it cannot run here. */
export async function benchEngine(log: (line: string) => void): Promise<EngineFigures | null> {
  if (process.getuid?.() !== 0) {
    log('engine bench skipped: it needs root (labs run in network namespaces)');
    return null;
  }
  await buildTinyGuest({ arch: 'x86_64', log: () => {} });
  const base = mkdtempSync(join(tmpdir(), 'qnet-bench-'));
  const engine = createEngine({ stateDir: join(base, 'engine'), kvm: NO_KVM, defaults: { isolation: 'netns' } });
  const text: string[] = [];
  let consoleBytes = 0;
  let watched = '';
  const off = engine.subscribe((e: EngineEvent) => {
    if (e.type === 'console' && e.lab === watched && e.vm === 'g1') {
      text.push(e.data);
      consoleBytes += e.end - e.seq;
    }
  });
  try {
    const scriptMs: number[] = [];
    const engineMs: number[] = [];
    const usernsMs: number[] = [];
    const readyNetns: number[] = [];
    const readyUserns: number[] = [];
    // Alternated, so a slower minute of the machine falls on both isolations alike.
    for (let run = 0; run < RUNS; run++) {
      scriptMs.push(await launchByScript(base, run));
      const rootless = await launchToReady(engine, `bench-us${run}`, 'userns');
      usernsMs.push(rootless.launchMs);
      readyUserns.push(rootless.readyMs);
      await engine.request({ type: 'stop', lab: `bench-us${run}` });
      const lab = `bench-en${run}`;
      const named = await launchToReady(engine, lab, 'netns');
      engineMs.push(named.launchMs);
      readyNetns.push(named.readyMs);
      if (run < RUNS - 1) await engine.request({ type: 'stop', lab });
    }

    // Console throughput: g1 of the last lab floods its serial console for a few seconds.
    const lab = `bench-en${RUNS - 1}`;
    watched = lab;
    // The backlog holds what the guest printed before the subscription; its console events go on from there.
    const sub = await engine.request({ type: 'consoleSubscribe', lab, vm: 'g1', fromSeq: 0 });
    if (!sub.ok) throw new Error(`console subscribe failed: ${sub.error.message}`);
    text.push(sub.backlog);
    await until('g1 ready line', () => text.join('').includes('QNET-READY'), 120_000);
    text.length = 0;
    const rss0 = process.memoryUsage().rss;
    let rssMax = rss0;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 50);
    const line = 'qnet-flood-0123456789abcdefghijklmnopqrstuvwxyz-0123456789abcdefghijklmnopqrstuvwxyz';
    const before = consoleBytes;
    const t2 = performance.now();
    await engine.request({
      type: 'consoleInput',
      lab,
      vm: 'g1',
      data: `timeout 6 yes ${line}; echo __flood_""done__\n`,
    });
    await until('the flood to end', () => text.join('').includes('__flood_done__'), 120_000);
    const seconds = (performance.now() - t2) / 1000;
    clearInterval(sampler);
    const flooded = consoleBytes - before;
    await engine.request({ type: 'stop', lab });
    return {
      launchEngineMs: median(engineMs),
      launchUsernsMs: median(usernsMs),
      readyNetnsMs: median(readyNetns),
      readyUsernsMs: median(readyUserns),
      launchScriptMs: median(scriptMs),
      consoleMBps: flooded / seconds / 1e6,
      consoleBytes: flooded,
      rssGrowthMB: (rssMax - rss0) / 1e6,
    };
  } finally {
    off();
    await engine.dispose();
    // Only when a failure left them behind: stop and down.sh remove them.
    for (let run = 0; run < RUNS; run++) {
      for (const lab of [`bench-sh${run}`, `bench-en${run}`])
        spawnSync('ip', ['netns', 'del', netnsName(lab)], { stdio: 'ignore' });
    }
    rmSync(base, { recursive: true, force: true });
  }
}
