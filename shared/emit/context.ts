import { consolePortOf } from '../compiler/consoleport';
import type { Arch } from '../model';
import type { BoundPort, HostStep, LabPlan, ProcessPlan } from '../compiler/plan';
import type { Relocation } from './quote';
import { utf8Bytes } from '../compiler/derive';

/** A host step with the journal token that names it (index plus a hash of what it does). */
export interface StepEntry {
  readonly step: HostStep;
  readonly number: number;
  readonly token: string;
}

/**
 * A process only the exported scripts run: a guest's console TCP port (`console.tcpPort`, a `what: 'console'`
 * BoundPort of the plan), which the engine serves itself from the console it holds. up.sh relays the port to the
 * guest's console socket with socat, on the host's loopback whatever the isolation (never in the lab's namespace,
 * where 127.0.0.1 is the lab's own), connecting only when a client does.
 */
export interface ConsoleRelay extends Omit<ProcessPlan, 'kind'> {
  readonly kind: 'console-relay';
  readonly port: BoundPort;
}

/** A process the scripts start: one of the plan's, or a console relay. */
export type EmitProcess = ProcessPlan | ConsoleRelay;

/** A process with the files the scripts keep for it in the state directory. */
export interface ProcEntry {
  readonly proc: EmitProcess;
  /** For messages: "vm vm1". */
  readonly label: string;
  /** Where up.sh writes `$!` (not QEMU's own -pidfile, which QEMU locks and removes itself). */
  readonly jobPidfile: string;
  /** The FIFO that holds stdin open (holdStdin), else null. */
  readonly fifo: string | null;
}

/** Everything the script writers need, derived once from a checked plan. */
export interface EmitContext {
  readonly plan: LabPlan;
  readonly stateDir: string;
  readonly journal: string;
  readonly steps: readonly StepEntry[];
  /** In start order. */
  readonly procs: readonly ProcEntry[];
  /** Some step or process needs root (sudo is asked for once, up front, when not root). */
  readonly usesRoot: boolean;
  /**
   * The lab lives in a user + network namespace of its own (isolation userns): up.sh makes it, held by a holder
   * process, runs every step and process in it through nsenter, and down.sh ends the holder. No root.
   */
  readonly userns: boolean;
  /**
   * True when the state directory is `<base>/<lab>` and the scripts pick `<base>` when they run (the exported one
   * when it is the runner's, else the runner's own); false for a plan that names another directory (kept as is).
   */
  readonly movable: boolean;
  /** The tiny guests the scripts find when they run, each linked at `$STATE/<link>`. */
  readonly guests: readonly GuestFiles[];
  /** The exported directories the scripts write as variables (the state directory, each tiny guest's). */
  readonly relocations: readonly Relocation[];
  /** The longest socket path below the state directory, less the directory (what a moved one may add). */
  readonly socketTail: number;
}

/** A tiny guest the lab boots: its architecture and the names of its kernel and initramfs. */
export interface GuestFiles {
  readonly arch: Arch;
  readonly kernel: string;
  readonly initrd: string;
  /** The directory the exporter's plan reads them from. */
  readonly dir: string;
  /** The name of the link up.sh makes in the state directory to where it found them. */
  readonly link: string;
}

/** FNV-1a, 32 bits, as 8 hex digits: enough to notice a journal written by a different plan. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** `dir/name`, without doubling the slash. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** The directory part of a path ('.' when there is none). */
export function dirName(path: string): string {
  const cut = path.replace(/\/+$/, '').lastIndexOf('/');
  return cut < 0 ? '.' : cut === 0 ? '/' : path.slice(0, cut);
}

/** File-name stems for process ids: unsafe characters become _, and repeats get a -N suffix. */
function stems(ids: readonly string[]): string[] {
  const used = new Set<string>();
  return ids.map((id, i) => {
    const base = id.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\./, '_') || 'process';
    let stem = base;
    for (let n = i; used.has(stem); n++) stem = `${base}-${n}`;
    used.add(stem);
    return stem;
  });
}

/** The emit context of a checked plan whose processes are already in start order. */
export function emitContext(plan: LabPlan, order: readonly ProcessPlan[]): EmitContext {
  const stateDir = plan.stateDir.length > 1 ? plan.stateDir.replace(/\/+$/, '') : plan.stateDir;
  const steps = plan.hostSteps.map((step, i) => {
    const key = JSON.stringify([step.id, step.argv, step.undo, step.needsRoot, step.inNetns, plan.netns]);
    return { step, number: i + 1, token: `step_${i + 1}_${fnv1a(key)}` };
  });
  const all = [...order, ...consoleRelays(plan, stateDir)];
  const names = stems(all.map((p) => p.id));
  const procs = all.map((proc, i) => ({
    proc,
    label: `${proc.kind} ${proc.id}`,
    jobPidfile: joinPath(stateDir, `${names[i]}.up.pid`),
    fifo: proc.holdStdin ? (proc.console?.input ?? joinPath(stateDir, `${names[i]}.in`)) : null,
  }));
  const userns = plan.target.isolation === 'userns';
  const usesRoot =
    plan.hostSteps.some((s) => s.needsRoot || (s.inNetns && !userns)) || (plan.netns !== null && procs.length > 0);
  const movable = stateDir.endsWith(`/${plan.lab}`) && !plan.lab.includes('/') && !stateDir.includes(',');
  const guests = tinyGuests(plan);
  const relocations = [
    ...(movable ? [{ literal: stateDir, variable: 'STATE', tail: '' }] : []),
    ...guests.map((g) => ({ literal: g.dir, variable: `GUEST_${g.arch}`, tail: '' })),
  ];
  const ours = (path: string) => path.startsWith(`${stateDir}/`);
  const sockets = plan.vms.flatMap((v) => [v.console, v.qmp]);
  for (const p of plan.processes)
    if (p.ready.type !== 'none') sockets.push(p.ready.type === 'qmp' ? p.ready.socket : p.ready.path);
  const socketTail = Math.max(0, ...sockets.filter(ours).map((p) => utf8Bytes(p) - utf8Bytes(stateDir)));
  return {
    plan,
    stateDir,
    journal: joinPath(stateDir, 'up.journal'),
    steps,
    procs,
    usesRoot,
    userns,
    movable,
    guests,
    relocations,
    socketTail,
  };
}

/** The console relays of a plan's guests with a console TCP port, each after its guest. */
function consoleRelays(plan: LabPlan, stateDir: string): ConsoleRelay[] {
  const out: ConsoleRelay[] = [];
  for (const vm of plan.vms) {
    const port = consolePortOf(vm);
    const guest = plan.processes.find((p) => p.kind === 'vm' && p.node === vm.node);
    if (!port || !guest) continue;
    out.push({
      id: `${guest.id}-console`,
      kind: 'console-relay',
      node: vm.node,
      argv: ['socat', `TCP-LISTEN:${port.port},bind=${port.host},reuseaddr,fork`, `UNIX-CONNECT:${vm.console}`],
      dependsOn: [guest.id],
      ready: { type: 'none' },
      holdStdin: false,
      stderrLog: joinPath(stateDir, `${guest.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.console-relay.log`),
      port,
    });
  }
  return out;
}

/**
 * The tiny guests whose kernel and initramfs sit in one directory of the exporter's (its cache, where `qnet guest
 * build` puts them): the scripts look for them on the running machine instead of naming that directory.
 */
function tinyGuests(plan: LabPlan): GuestFiles[] {
  const out: GuestFiles[] = [];
  for (const vm of plan.vms) {
    if (!vm.tinyGuest || out.some((g) => g.arch === vm.tinyGuest)) continue;
    const kernel = vm.bootFiles.find((f) => f.what === 'kernel')?.path;
    const initrd = vm.bootFiles.find((f) => f.what === 'initrd')?.path;
    if (kernel === undefined || initrd === undefined || dirName(kernel) !== dirName(initrd)) continue;
    const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
    out.push({
      arch: vm.tinyGuest,
      kernel: base(kernel),
      initrd: base(initrd),
      dir: dirName(kernel),
      link: `guest-${vm.tinyGuest}`,
    });
  }
  return out;
}
