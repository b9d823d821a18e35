/** Helpers for the engine's real-QEMU tests: a target with the stand-in guest, compiling examples, leftovers. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../../shared/compiler/index';
import type { LabPlan } from '../../shared/compiler/plan';
import { DEFAULT_TARGET, type Target } from '../../shared/compiler/target';
import { loadTopology, type Topology } from '../../shared/model';
import { writePausedGuest } from './fakeGuest';
import { leftoverSpecialFiles } from './exportedLab';
import { netnsExists } from './netns';
import { processesMentioning } from './procs';
import { JOURNAL_FILE } from '../engine/journal';
import { probeQemu } from '../engine/probe-qemu';

export const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../assets/examples');

/** KVM as the tests take it: not used (the stand-in guest runs under TCG). */
export const NO_KVM = { usable: false, reason: 'not probed in tests' } as const;

/** A root target for this machine's QEMU whose tiny guest is the stand-in kernel (QEMU accepts it; TCG spins on it). */
export function testTarget(base: string, over: Partial<Target> = {}): Target {
  const guest = writePausedGuest(join(base, 'guest'));
  const probe = probeQemu();
  return {
    ...DEFAULT_TARGET,
    qemuVersion: probe.version
      ? { major: probe.version.major, minor: probe.version.minor }
      : DEFAULT_TARGET.qemuVersion,
    netdevBackends: probe.netdevBackends,
    privilege: 'root',
    isolation: 'netns',
    stateDir: join(base, 'state'),
    tinyGuest: { x86_64: guest, aarch64: guest },
    ...over,
  };
}

/** Loads YAML text, throwing on load errors. */
export function topologyOf(text: string): Topology {
  const r = loadTopology(text, 'test.qnet.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.topology;
}

/** A suffix that keeps this process's lab names (and so namespaces) apart from another test run's. */
export const RUN = `t${process.pid}`;

/** Loads an example of assets/examples by file name prefix ("05-"), renamed `<name>-<RUN>`. */
export function example(prefix: string): Topology {
  const file = [
    '01-nat-hostfwd',
    '02-tap-bridge',
    '03-bridge-helper',
    '04-vde-slirpvde',
    '05-socket-pair',
    '06-mcast-bus',
    '07-hub-nat-uplink',
    '08-vhost-user-vdpa',
    '09-aarch64-virt',
  ]
    .map((f) => `${f}.qnet.yaml`)
    .find((f) => f.startsWith(prefix));
  if (!file) throw new Error(`no example ${prefix}`);
  return topologyOf(renamed(readFileSync(join(EXAMPLES, file), 'utf8')));
}

/** YAML text with its lab renamed `<name>-<RUN>` (or `name`). */
export function renamed(text: string, name?: string): string {
  return text.replace(/^name:\s*(\S+)\s*$/m, (_, old: string) => `name: ${name ?? `${old}-${RUN}`}`);
}

/** Compiles and checks there are no compile errors. */
export function planOf(topology: Topology, target: Target): LabPlan {
  const plan = compile(topology, target);
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`compile errors: ${errors.map((e) => e.message).join('; ')}`);
  return plan;
}

/** What a lab left behind: processes naming its state dir, its namespace, sockets/FIFOs, its journal. */
export function leftovers(plan: LabPlan): string[] {
  const out: string[] = [];
  for (const p of processesMentioning(plan.stateDir)) out.push(`process ${p.pid}: ${p.argv.join(' ')}`);
  if (plan.netns && netnsExists(plan.netns)) out.push(`netns ${plan.netns}`);
  for (const f of leftoverSpecialFiles(plan.stateDir)) out.push(`file ${f}`);
  if (existsSync(join(plan.stateDir, JOURNAL_FILE))) out.push('journal');
  for (const s of plan.hostSteps) {
    const name =
      s.argv[0] === 'ip' && s.argv[1] === 'link' && s.argv[2] === 'add'
        ? s.argv[3]
        : s.argv[1] === 'tuntap'
          ? s.argv[4]
          : undefined;
    if (plan.netns === null && name !== undefined && existsSync(`/sys/class/net/${name}`))
      out.push(`interface ${name}`);
  }
  return out;
}
