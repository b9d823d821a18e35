import { describeShaping } from '../../shared/compiler/shaping';
import type { ApiError, EngineEvent, ExitStatus, LabStatus, VmState } from '../../shared/api';
import type { Diagnostic } from '../../shared/diagnostics';
import { formatDiagnostic } from './format-diagnostic';
import type { Io } from './usage';

/** "exit code 1", "signal SIGKILL". */
export function describeExitStatus(exit: ExitStatus): string {
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exit code ${exit.code ?? '?'}`;
}

const indent = (text: string, prefix = '    ') =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `${prefix}${l}`)
    .join('\n');

/**
 * One guest's state as a line: `server: running (pid 42)`, then the addresses the guest reported
 * (`, eth0 10.0.2.15/24`), with the stderr tail under a crash.
 */
export function formatVmState(vm: string, state: VmState): string {
  switch (state.state) {
    case 'running': {
      const addresses = Object.entries(state.addresses ?? {}).map(([nic, address]) => `, ${nic} ${address}`);
      return `${vm}: running (pid ${state.pid})${addresses.join('')}`;
    }
    case 'crashed': {
      const head = `${vm}: crashed (${describeExitStatus(state.exit)})`;
      return state.stderrTail.trim() === '' ? head : `${head}, stderr:\n${indent(state.stderrTail)}`;
    }
    default:
      return `${vm}: ${state.state}`;
  }
}

/** Preflight problems as terminal lines, each with its fix. */
export function formatProblems(lab: string, problems: readonly Diagnostic[]): string {
  return problems.map((d) => formatDiagnostic(d, lab)).join('\n');
}

/** An API error as a sentence, with the diagnostics behind it. */
export function formatApiError(error: ApiError, lab = 'lab'): string {
  const diags = error.diagnostics?.length ? `\n${formatProblems(lab, error.diagnostics)}` : '';
  return `${error.message}${diags}`;
}

/** The lines `qnet up` prints for an engine event ('' for events it does not show). */
export function formatEvent(event: EngineEvent): { readonly text: string; readonly stream: 'out' | 'err' } {
  const none = { text: '', stream: 'out' as const };
  switch (event.type) {
    case 'step': {
      const n = `[${event.index + 1}/${event.total}]`;
      const detail = event.detail ? `\n${indent(event.detail)}` : '';
      if (event.status === 'running') return { text: `${n} ${event.description}`, stream: 'out' };
      if (event.status === 'failed') return { text: `${n} failed: ${event.description}${detail}`, stream: 'err' };
      if (event.status === 'undone') return { text: `${n} undone: ${event.description}`, stream: 'out' };
      if (event.status === 'undo-failed')
        return { text: `${n} undo failed: ${event.description}${detail}`, stream: 'err' };
      return none;
    }
    case 'vmState':
      return { text: formatVmState(event.vm, event.state), stream: event.state.state === 'crashed' ? 'err' : 'out' };
    case 'labState':
      // Preflight problems were printed with their fixes by the preflight event: not again here.
      if (event.state === 'failed')
        return {
          text: `lab ${event.lab}: failed${event.error && event.error.code !== 'PREFLIGHT_FAILED' ? `: ${event.error.message}` : ''}`,
          stream: 'err',
        };
      return { text: `lab ${event.lab}: ${event.state}`, stream: 'out' };
    case 'preflight':
      return event.problems.length
        ? {
            text: formatProblems(event.lab, event.problems),
            stream: event.problems.some((p) => p.severity === 'error') ? 'err' : 'out',
          }
        : none;
    case 'linkState':
      return { text: `link ${event.link}: ${event.up ? 'up' : 'down'}`, stream: 'out' };
    case 'log':
      return event.level === 'warn' || event.level === 'error'
        ? { text: `${event.level}: ${event.message}`, stream: 'err' }
        : none;
    default:
      return none;
  }
}

/** Prints an event the way `qnet up` shows progress. */
export function printEvent(io: Io, event: EngineEvent): void {
  const { text, stream } = formatEvent(event);
  if (text !== '') io[stream](`${text}\n`);
}

/** One lab and its guests as `qnet status` prints them. */
export function formatLabStatus(status: LabStatus, enginePid: number | null): string {
  const where = [
    enginePid !== null ? `engine pid ${enginePid}` : null,
    status.netns ? `netns ${status.netns}` : null,
    status.stateDir,
  ]
    .filter(Boolean)
    .join(', ');
  const lines = [`${status.lab}: ${status.state} (${where})`];
  if (status.error) lines.push(indent(formatApiError(status.error, status.lab), '  '));
  for (const vm of status.vms) {
    lines.push(indent(formatVmState(vm.vm, vm.state), '  '));
    // The engine serves it while the lab runs, whichever state the guest is in.
    if (vm.consolePort !== undefined && status.state === 'running')
      lines.push(`  ${vm.vm}: console on 127.0.0.1:${vm.consolePort} (nc 127.0.0.1 ${vm.consolePort})`);
  }
  for (const sw of status.switches ?? []) lines.push(indent(formatVmState(`switch ${sw.node}`, sw.state), '  '));
  const links = status.links ?? [];
  // A lab may have thousands of links: the ones set down by name, the rest counted.
  for (const l of links.filter((x) => !x.up)) lines.push(`  link ${l.link}: down`);
  const up = links.filter((x) => x.up).length;
  if (up > 0) lines.push(`  ${up === links.length ? 'every link' : `${up} other link${up === 1 ? '' : 's'}`} up`);
  for (const l of links) if (l.shaping) lines.push(`  link ${l.link}: shaped: ${describeShaping(l.shaping)}`);
  return lines.join('\n');
}

/** True once a guest will not run again by itself. */
export const vmEnded = (state: VmState) => state.state === 'crashed' || state.state === 'stopped';
