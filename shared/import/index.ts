/**
 * Import: QEMU command lines and shell scripts into a topology. Pure, like the compiler: text in, a topology (or
 * none, when the text holds no QEMU command) and diagnostics that name the line and column of what could not be
 * taken. One VM per QEMU command; links inferred across commands (a listener and its connector, mirrored dgram
 * ends, one multicast group, one VDE directory, one bridge or tap name); what the drawing does not model kept in
 * each VM's extra arguments or node options; what the lab sets itself left out and said.
 */
import { defaultMachine } from '../compiler/machine';
import { CURRENT_VERSION, Topology, type Link, type VmNode } from '../model/schema';
import { asWritten, classify, type Candidate, type ClassifyScope, type NodeCandidate } from './backends';
import type { ImportDiagnostic } from './diagnostics';
import { placeNodes } from './layout';
import { collapseHubs, readVmNet, type NetdevDef } from './netparse';
import { nicNames, nicOf } from './nics';
import { pairEnds, type PlacedEnd } from './pairs';
import { readQemuCommand, type QemuArg, type QemuCommand } from './qemuargv';
import { Reporter } from './report';
import { isArrayExpansion, splitShell, wordOffset, type ShellCommand, type Word } from './shell';
import { Source } from './source';
import { guestName, vmFields } from './vmfields';

export type { ImportDiagnostic } from './diagnostics';
export { IMPORT_CODES, type ImportCode } from './diagnostics';
export { networkEquivalent, networkFacts, type Equivalence } from './equivalent';

/** What an import gives: the topology (null when the text holds no QEMU command), and what it says about it. */
export interface ImportResult {
  readonly topology: Topology | null;
  readonly diagnostics: readonly ImportDiagnostic[];
  /** True when an error diagnostic says part of the text could not be taken: the drawing is not the whole of it. */
  readonly partial: boolean;
}

/** Options of an import. */
export interface ImportOptions {
  /** The topology's name (e.g. from the file name); made valid, default `imported`. */
  readonly name?: string;
}

/** A valid id from a hint, unique among `used` (which it joins). */
function uniqueId(hint: string, used: Set<string>): string {
  let base = hint
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^[^A-Za-z]+/, '')
    .slice(0, 28)
    .replace(/-+$/, '');
  if (base === '') base = 'n';
  let id = base;
  for (let k = 2; used.has(id); k++) id = `${base}${k}`;
  used.add(id);
  return id;
}

function topologyName(name: string | undefined): string {
  const n = (name ?? '')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 48);
  return n === '' ? 'imported' : n;
}

interface BuiltNode {
  id: string;
  node: Record<string, unknown>;
  vms: Set<string>;
  hub: boolean;
}

/** Everything one command line adds, before ids of shared nodes are known. */
interface VmBuild {
  readonly id: string;
  readonly node: Record<string, unknown> & { nics: Record<string, unknown>[] };
}

class Builder {
  readonly used = new Set<string>();
  readonly nodes: BuiltNode[] = [];
  readonly links: Link[] = [];
  readonly shared = new Map<string, BuiltNode>();
  readonly ends: PlacedEnd[] = [];

  add(c: NodeCandidate | { kind: 'hub'; idHint: string }, vm: string): BuiltNode {
    const key = c.kind === 'node' ? c.share : undefined;
    const known = key !== undefined ? this.shared.get(key) : undefined;
    if (known) {
      known.vms.add(vm);
      return known;
    }
    const id = uniqueId(c.idHint, this.used);
    const built: BuiltNode = {
      id,
      node: c.kind === 'node' ? { id, ...c.node } : { id, kind: 'hub' },
      vms: new Set([vm]),
      hub: c.kind === 'hub',
    };
    this.nodes.push(built);
    if (key !== undefined) this.shared.set(key, built);
    return built;
  }

  link(a: string, b: string, fields: Record<string, unknown> = {}): void {
    this.links.push({ a, b, ...fields } as Link);
  }
}

function reportCommand(report: Reporter, cmd: QemuCommand, shell: ShellCommand, vm: string): void {
  // An emulator the script assigned ($QEMU after QEMU=qemu-system-…) is known.
  for (const w of [
    ...(cmd.runs === undefined ? [cmd.emulator] : []),
    ...cmd.args.flatMap((a) => (a.value ? [a.word, a.value] : [a.word])),
  ]) {
    if (isArrayExpansion(w.text)) continue;
    for (const e of w.expansions) {
      report.add(
        'IMPORT_SHELL_VARIABLE',
        `${vm}: ${e.text} is a shell expansion whose value is not known here; it is kept as text — replace it with its value`,
        w,
        e.index,
        [vm],
      );
    }
  }
  for (const p of cmd.placeholders)
    report.add('IMPORT_PLACEHOLDER', `${vm}: ${p.text} is a placeholder of the manual, left out`, p, 0, [vm]);
  for (const d of cmd.dangling)
    report.add('IMPORT_MISSING_VALUE', `${vm}: ${d.text} needs a value, but the command ends`, d, 0, [vm]);
  for (const a of cmd.args) {
    if (a.missingDash)
      report.add(
        'IMPORT_MISSING_DASH',
        `${vm}: "${a.word.text}" has no dash; read as ${a.name}, though QEMU itself would take it for a disk image and refuse the line`,
        a.word,
        0,
        [vm],
      );
  }
  if (shell.setAside.length > 0) {
    report.addAt(
      'IMPORT_DROPPED',
      `${vm}: ${shell.setAside.map((r) => r.text).join(' ')} is left out: the lab keeps each guest's output itself`,
      shell.setAside[0]!.at,
      [vm],
    );
  }
}

function importCommand(b: Builder, report: Reporter, cmd: QemuCommand, shell: ShellCommand, index: number): VmBuild {
  const id = uniqueId(guestName(cmd) ?? `vm${index + 1}`, b.used);
  reportCommand(report, cmd, shell, id);
  const net = readVmNet(cmd.args);
  collapseHubs(net, true);
  for (const p of net.problems) report.add(p.code, `${id}: ${p.message}`, p.word, p.index, [id]);
  const scope: ClassifyScope = { report, vm: id, chardevs: net.chardevs, usedChardevs: new Set<QemuArg>() };
  const peers = net.nics.map((fe): Candidate | null => (fe.peer ? classify(scope, fe.peer) : null));
  const hubBackends = new Map<number, Candidate[]>();
  for (const [hubid, h] of net.hubs) {
    // A hub's port is a hubport, never a VM-to-VM link: ends behind a hub stay as written.
    hubBackends.set(
      hubid,
      h.backends.map((d: NetdevDef) => {
        const c = classify(scope, d);
        return c.kind === 'p2p' ? asWritten(scope, d, 'it sits behind a hub, and a link between VMs joins NICs') : c;
      }),
    );
  }
  const unused = net.unused.map((d) => classify(scope, d));
  const taken = new Set<QemuArg>([...net.consumed, ...scope.usedChardevs]);
  const vhostUser = [...peers, ...[...hubBackends.values()].flat()].some(
    (c) => c?.kind === 'node' && c.node.kind === 'vhost-user',
  );
  const f = vmFields(cmd, taken, report, id, vhostUser);
  const vm = {
    kind: 'vm',
    id,
    ...(f.name !== undefined ? { name: f.name } : {}),
    arch: f.arch,
    ...(f.binary ? { binary: f.binary } : {}),
    ...(f.machine ? { machine: f.machine } : {}),
    accel: f.accel,
    ...(f.cpu ? { cpu: f.cpu } : {}),
    smp: f.smp,
    memory: f.memory,
    boot: f.boot,
    nics: [] as Record<string, unknown>[],
    extraArgs: f.extraArgs,
  };
  const stub = { ...vm, machine: f.machine ?? defaultMachine(f.arch) } as unknown as VmNode;
  const nicIds = nicNames(net.nics);
  vm.nics = net.nics.map((fe, i) => nicOf(fe, nicIds[i] as string, cmd, stub, report));

  // Nodes in the order their NICs come, so ids follow the text.
  const hubNodes = new Map<number, string>();
  const hubOf = (hubid: number): string => {
    const known = hubNodes.get(hubid);
    if (known) return known;
    const hub = b.add({ kind: 'hub', idHint: `${id}-hub${hubid}` }, id);
    hubNodes.set(hubid, hub.id);
    for (const c of hubBackends.get(hubid) ?? []) if (c.kind === 'node') b.link(hub.id, b.add(c, id).id);
    return hub.id;
  };
  net.nics.forEach((fe, i) => {
    const nic = `${id}:${nicIds[i]}`;
    if (fe.hub !== null) return b.link(nic, hubOf(fe.hub));
    const c = peers[i];
    if (!c || c.kind === 'lost') return;
    if (c.kind === 'p2p') b.ends.push({ vm: id, nic: nicIds[i] as string, end: c });
    else b.link(nic, b.add(c, id).id);
  });
  for (const hubid of hubBackends.keys()) hubOf(hubid);
  for (const c of unused) if (c.kind === 'node') b.add(c, id);
  return { id, node: vm };
}

/** A script's commands as read: those that run QEMU, and the first word of each other one (to say where it is). */
interface ReadCommands {
  readonly qemu: { readonly shell: ShellCommand; readonly cmd: QemuCommand }[];
  readonly others: Word[];
}

/**
 * The shell commands that are QEMU invocations, and the first word of the others, skipping a script's plain
 * assignments (NAME=value words only), which are remembered so that `$QEMU …` is known for what it runs. Nothing
 * is kept of the other commands but that word: a long script's thousands of them are garbage at once.
 */
function readCommands(commands: readonly ShellCommand[]): ReadCommands {
  const vars = new Map<string, string>();
  const known = new Map<string, string>();
  // An array assigned once (an exported up.sh states each process's argv once, as ARGV_<n>) is known for what it
  // holds; one assigned again (PAUSED=(), then PAUSED=(-S) for an option) depends on the run and is left as written.
  const assigned = new Map<string, number>();
  for (const c of commands) if (c.array !== undefined) assigned.set(c.array, (assigned.get(c.array) ?? 0) + 1);
  const arrays = new Map<string, readonly Word[]>();
  const out: ReadCommands = { qemu: [], others: [] };
  for (const shell of commands) {
    if (shell.array !== undefined) {
      if (assigned.get(shell.array) === 1)
        arrays.set(
          shell.array,
          shell.words.map((w) => withKnownValues(w, known)),
        );
      continue;
    }
    if (shell.words.length > 0 && shell.words.every((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.text))) {
      for (const w of shell.words) {
        const name = w.text.slice(0, w.text.indexOf('='));
        vars.set(name, w.text.slice(w.text.indexOf('=') + 1));
        if (w.expansions.length === 0) known.set(name, w.text.slice(w.text.indexOf('=') + 1));
        else known.delete(name);
      }
      continue;
    }
    // Most commands of a long script expand nothing: they are read as they are, with no copy.
    const words = shell.words.some((w) => w.expansions.length > 0) ? expanded(shell.words, arrays, known) : shell.words;
    const cmd = readQemuCommand(words, vars);
    if (cmd) out.qemu.push({ shell: words === shell.words ? shell : { ...shell, words }, cmd });
    else if (words[0]) out.others.push(words[0]);
  }
  return out;
}

/** Words with known arrays and known variables put in (see arrayWords, withKnownValues). */
function expanded(
  words: readonly Word[],
  arrays: ReadonlyMap<string, readonly Word[]>,
  known: ReadonlyMap<string, string>,
): Word[] {
  const out: Word[] = [];
  for (const w of words) {
    const elements = arrayWords(w, arrays);
    if (elements) out.push(...elements);
    else out.push(withKnownValues(w, known));
  }
  return out;
}

/** The elements of a known array when the word is exactly its expansion (`"${NAME[@]}"`), else null. */
function arrayWords(w: Word, arrays: ReadonlyMap<string, readonly Word[]>): readonly Word[] | null {
  if (w.expansions.length !== 1 || !isArrayExpansion(w.text)) return null;
  return arrays.get(w.text.slice(2, w.text.indexOf('['))) ?? null;
}

/** The variable of a plain `$NAME` or `${NAME}` expansion; null for any other expansion. */
function variableName(expansion: string): string | null {
  if (/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(expansion)) return expansion.slice(1);
  if (/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(expansion)) return expansion.slice(2, -1);
  return null;
}

/**
 * A word with each `$NAME` / `${NAME}` of a plain literal assignment before it replaced by its value (an exported
 * up.sh writes its state directory as "$STATE"/…); a word with any other expansion is left as it is. The value's
 * characters are placed at the expansion, so a diagnostic still points into the word.
 */
function withKnownValues(w: Word, known: ReadonlyMap<string, string>): Word {
  if (w.expansions.length === 0) return w;
  // Most expanding words of a script are not plain known variables: they are told apart before anything is built.
  if (!w.expansions.every((e) => known.has(variableName(e.text) ?? ''))) return w;
  let text = '';
  let from = 0;
  const runs: [number, number][] = [];
  // A run that holds no character (an expansion at the word's start, two side by side) gives way to the next.
  const run = (offset: number) => {
    if (runs.length > 0 && runs[runs.length - 1]![0] === text.length) runs.pop();
    runs.push([text.length, offset]);
  };
  for (const e of w.expansions) {
    run(wordOffset(w, from));
    text += w.text.slice(from, e.index);
    run(wordOffset(w, e.index));
    text += known.get(variableName(e.text)!)!;
    from = e.index + e.text.length;
  }
  run(wordOffset(w, from));
  text += w.text.slice(from);
  return { text, runs, expansions: [], quoted: w.quoted };
}

/** The argv of each QEMU command in a text (words after quote removal), in text order: one per imported VM. */
export function qemuCommands(text: string): string[][] {
  return readCommands(splitShell(text).commands)
    .qemu.map(({ cmd }) => cmd)
    .map((c) => [
      c.runs ?? c.emulator.text,
      ...c.args.flatMap((a) => (a.value ? [a.word.text, a.value.text] : [a.word.text])),
    ]);
}

/** Import QEMU command lines or a shell script as a topology. Never throws. */
export function importQemu(text: string, options: ImportOptions = {}): ImportResult {
  const src = new Source(text);
  const report = new Reporter(src);
  try {
    const { commands, problems } = splitShell(text);
    for (const p of problems) report.addAt('IMPORT_SHELL_SYNTAX', p.message, p.at);
    const b = new Builder();
    const vms: VmBuild[] = [];
    const read = readCommands(commands);
    for (const { shell, cmd } of read.qemu) vms.push(importCommand(b, report, cmd, shell, vms.length));
    const others = read.others.map((w) => ({ line: src.at(wordOffset(w)).line, at: wordOffset(w) }));
    if (vms.length === 0) {
      report.addAt(
        'IMPORT_NO_QEMU',
        'no QEMU command found: a line must run qemu-system-<arch> (after any VAR=value, sudo or env)',
        0,
      );
      return { topology: null, diagnostics: report.diagnostics, partial: true };
    }
    if (others[0]) {
      const lines = [...new Set(others.map((o) => o.line))];
      report.addAt(
        'IMPORT_NOT_QEMU',
        `line${lines.length > 1 ? 's' : ''} ${lines.join(', ')} run${lines.length > 1 ? '' : 's'} other programs than QEMU, left out`,
        others[0].at,
      );
    }
    const { links, alone } = pairEnds(b.ends);
    for (const l of links) b.link(`${l.a.vm}:${l.a.nic}`, `${l.b.vm}:${l.b.nic}`, l.fields);
    for (const e of alone) {
      const scope: ClassifyScope = { report, vm: e.vm, chardevs: new Map(), usedChardevs: new Set() };
      const c = asWritten(
        scope,
        e.end.def,
        `no other end of this ${e.end.transport === 'socket-udp' ? 'socket' : e.end.transport} is in the text`,
      );
      if (c.kind === 'node') b.link(`${e.vm}:${e.nic}`, b.add(c, e.vm).id);
    }
    const layout = placeNodes(
      vms.map((v) => v.id),
      b.nodes.map((n) => ({ id: n.id, vms: [...n.vms], hub: n.hub })),
    );
    const parsed = Topology.safeParse({
      version: CURRENT_VERSION,
      name: topologyName(options.name),
      nodes: [...vms.map((v) => v.node), ...b.nodes.map((n) => n.node)],
      links: b.links,
      layout: { nodes: layout },
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      report.addAt(
        'IMPORT_BAD_VALUE',
        `the imported drawing does not validate (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`,
        0,
      );
      return { topology: null, diagnostics: report.diagnostics, partial: true };
    }
    return {
      topology: parsed.data,
      diagnostics: report.diagnostics,
      partial: report.diagnostics.some((d) => d.severity === 'error'),
    };
  } catch (e) {
    // A bug of ours must not take the caller down; it is reported as one (the fuzz test keeps this from happening).
    report.addAt(
      'IMPORT_INTERNAL',
      `the importer failed on this text (${e instanceof Error ? e.message : String(e)}); please report it`,
      0,
    );
    return { topology: null, diagnostics: report.diagnostics, partial: true };
  }
}
