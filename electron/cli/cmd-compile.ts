import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { compile } from '../../shared/compiler';
import { hostNote, usernsNote } from '../../shared/compiler/enter';
import { hostNetworkUses } from '../../shared/compiler/isolation';
import type { LabPlan } from '../../shared/compiler/plan';
import { planToJson } from '../../shared/emit/json';
import { shellLine } from '../../shared/emit/quote';
import { readTopology } from './read-topology';
import { TARGET_HELP, TARGET_OPTIONS, targetFromOptions, type TargetDeps } from './target-options';
import { countSeverities, formatDiagnostic, placeDiagnostics } from './format-diagnostic';
import { UsageError } from './usage';
import type { Io } from './usage';

const COMPILE_USAGE = `usage: qnet compile FILE [--json] [options]

Compiles a *.qnet.yaml topology into one QEMU command line per VM, the host setup and teardown steps, the
processes to start and the diagnostics. Exit status: 0 when there are no errors, 1 when there are (the plan is
printed either way).

options:
  --json               print the plan as JSON: {vms, hostSteps, processes, diagnostics, privilege, …}
${TARGET_HELP}
  -h, --help           show this help`;

/**
 * Renders a plan for reading in a terminal: where it runs (`uses`: what of the host network its topology reaches),
 * host setup, processes, one shell line per VM, teardown.
 */
function formatPlan(plan: LabPlan, uses: readonly string[]): string {
  const out: string[] = [`# lab ${plan.lab}: needs privilege ${plan.privilege}; state in ${plan.stateDir}`];
  if (plan.netns) {
    out.push(`# isolated in network namespace ${plan.netns}: guests, switches and the steps marked [netns] run`);
    out.push(`# as "ip netns exec ${plan.netns} COMMAND"`);
  }
  if (plan.target.isolation === 'userns') out.push(`# this lab ${usernsNote(shellLine)}`);
  if (plan.target.isolation === 'host' && uses.length > 0) out.push(`# this lab ${hostNote(uses)}`);
  if (plan.hostSteps.length) {
    out.push('', '# host setup');
    for (const s of plan.hostSteps) {
      const marks = [s.needsRoot ? 'root' : '', s.inNetns ? 'netns' : ''].filter(Boolean).map((m) => `[${m}]`);
      out.push(`# ${s.description}${marks.length ? ` ${marks.join(' ')}` : ''}`, shellLine(s.argv));
    }
  }
  for (const p of plan.processes.filter((p) => p.kind !== 'vm')) {
    out.push('', `# ${p.kind} for ${p.node}`, shellLine(p.argv));
  }
  for (const vm of plan.vms) out.push('', `# vm ${vm.name}`, shellLine(vm.argv));
  const undo = [...plan.hostSteps].reverse().filter((s) => s.undo);
  if (undo.length) {
    out.push('', '# host teardown');
    for (const s of undo) out.push(shellLine(s.undo!));
  }
  return `${out.join('\n')}\n`;
}

/** `qnet compile FILE [--json]`. */
export async function compileCommand(args: string[], io: Io, deps: TargetDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...TARGET_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (io.out(`${COMPILE_USAGE}\n`), 0);
  if (positionals.length !== 1) throw new UsageError('compile takes exactly one FILE', COMPILE_USAGE);
  const file = positionals[0]!;
  const { topology, diagnostics: located, locate } = await readTopology(file);
  const plan = compile(topology, await targetFromOptions(values, COMPILE_USAGE, io, topology, deps), {
    structural: located,
  });
  const counts = countSeverities(plan.diagnostics);
  const diagnostics = placeDiagnostics(plan.diagnostics, locate);
  if (values.json) {
    io.out(planToJson({ ...plan, diagnostics }));
  } else {
    io.out(formatPlan(plan, hostNetworkUses(topology)));
    for (const d of diagnostics) io.err(`${formatDiagnostic(d, basename(file))}\n`);
  }
  return counts.error > 0 ? 1 : 0;
}
