/**
 * The undos the compiler writes, in one place: host.ts builds every undo from these, and recovery asks
 * `undoMismatch` whether an undo read back from a journal is one of them, so no other command can run as an undo.
 */
import type { CreatedObject } from './plan';
import { netnsName } from './derive';

/** The argv that deletes a created object. */
export function deleteArgv(o: CreatedObject): string[] {
  switch (o.kind) {
    case 'bridge':
    case 'tap':
    case 'ifb':
      return ['ip', 'link', 'del', o.name];
    case 'netns':
      return ['ip', 'netns', 'del', o.name];
    case 'nft-table':
      return ['nft', 'delete', 'table', 'ip', o.name];
  }
}

/** The argv that takes an uplink out of the lab's bridge again. */
export function releaseArgv(itf: string): string[] {
  return ['ip', 'link', 'set', itf, 'nomaster'];
}

/** The nftables table of a lab's NAT. */
export function natTableName(lab: string): string {
  return `qnet_${lab.replace(/-/g, '_')}`;
}

/** An interface name of the model's alphabet (1-15 of letters, digits, _ - .), not `.`/`..`, not an option. */
function isIfname(name: string): boolean {
  return /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/.test(name) && name !== '.' && name !== '..';
}

/** A step's undo as a journal records it (recovery has nothing else). */
export interface RecordedUndo {
  readonly step: string;
  readonly undo: readonly string[];
  readonly needsRoot: boolean;
  /** The namespace it runs in, or null (the host). */
  readonly netns: string | null;
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((w, i) => w === b[i]);

/**
 * Why `r` is not an undo the compiler writes for a step of lab `lab` (whose namespace is `netns`), or null when it
 * is. The rule: the step id says the step's shape (`netns`, `bridge-…`, `tap-…`, `ifb-…`, `uplink-…-ITF`,
 * `nat-table`),
 * and the undo must be exactly the compiler's undo for that shape, of a name valid for it: the lab's own namespace
 * and NAT table (derived from the lab name), a bridge, tap or ifb of a valid interface name, the uplink named by the
 * step id; as root, on the host or in the lab's own namespace.
 */
export function undoMismatch(r: RecordedUndo, lab: string, netns: string | null): string | null {
  if (netns !== null && netns !== netnsName(lab)) return `the namespace ${netns} is not lab ${lab}'s`;
  if (r.netns !== null && r.netns !== netns) return `it runs in namespace ${r.netns}, not the lab's`;
  if (!r.needsRoot) return 'every undo the compiler writes runs as root';
  const expect = (argv: readonly string[]) =>
    same(r.undo, argv) ? null : `step ${r.step} is undone by ${argv.join(' ')}, not by ${r.undo.join(' ')}`;
  const last = r.undo[r.undo.length - 1] ?? '';
  if (r.step === 'netns') {
    if (netns === null || r.netns !== null) return 'the lab has no namespace of its own to delete';
    return expect(deleteArgv({ kind: 'netns', name: netns }));
  }
  if (r.step === 'nat-table') return expect(deleteArgv({ kind: 'nft-table', name: natTableName(lab) }));
  if (r.step.startsWith('bridge-') || r.step.startsWith('tap-') || r.step.startsWith('ifb-')) {
    const wrong = expect(deleteArgv({ kind: 'bridge', name: last }));
    if (wrong !== null) return `step ${r.step} is undone by ip link del NAME, not by ${r.undo.join(' ')}`;
    return isIfname(last) ? null : `${JSON.stringify(last)} is not an interface name`;
  }
  if (r.step.startsWith('uplink-')) {
    const itf = r.undo[3] ?? '';
    if (!isIfname(itf) || !r.step.endsWith(`-${itf}`))
      return `step ${r.step} does not take ${JSON.stringify(itf)} as its uplink`;
    return expect(releaseArgv(itf));
  }
  return `no step of the compiler is called ${JSON.stringify(r.step)}`;
}
