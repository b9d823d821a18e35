/**
 * What a backend of a command line can become in the drawing, and the two ways every classifier ends: a node of its
 * kind when the node's schema takes it, else the backend kept as written in a netdev node.
 */
import { NETDEV_TYPES_DRAWN, NODE_SCHEMAS, type NodeKind } from '../model/schema';
import type { ChardevDef, NetdevDef } from './netparse';
import type { Item } from './optvalue';
import type { QemuArg } from './qemuargv';
import type { Reporter } from './report';

export type Options = Record<string, string | string[]>;

/** A node to draw (without its id), and the key under which command lines share one (same switch, bridge, group). */
export interface NodeCandidate {
  readonly kind: 'node';
  readonly node: Record<string, unknown> & { kind: NodeKind };
  /** Backends with the same key are one node: the same VDE directory, bridge, tap or multicast group. */
  readonly share?: string;
  /** A name to derive the node's id from. */
  readonly idHint: string;
}

/** An address of one end of a VM-to-VM link. */
export interface Addr {
  readonly path?: string;
  readonly host?: string;
  readonly port?: number;
}

/** One end of a VM-to-VM link, to be paired with its other end in another command line. */
export interface P2pEnd {
  readonly kind: 'p2p';
  readonly transport: 'stream' | 'socket' | 'dgram' | 'socket-udp';
  readonly family: 'unix' | 'inet';
  /** stream/socket: the listener or the connector; dgram/udp: a peer with a local and a remote address. */
  readonly role: 'server' | 'client' | 'peer';
  /** server/client: where it listens or connects; peer: the local address. */
  readonly addr: Addr;
  /** peer: where it sends. */
  readonly remote?: Addr;
  /** client of a stream: its retry interval in ms (0: never). */
  readonly reconnectMs?: number;
  /** The backend as written, for a netdev node when no other end is found. */
  readonly def: NetdevDef;
}

/** Nothing can be drawn for this backend (the NIC stays unlinked); already reported. */
export interface Lost {
  readonly kind: 'lost';
}

export type Candidate = NodeCandidate | P2pEnd | Lost;

/** Scope of classifying one command line's backends. */
export interface ClassifyScope {
  readonly report: Reporter;
  readonly vm: string;
  readonly chardevs: ReadonlyMap<string, ChardevDef>;
  /** Chardevs a vhost-user backend takes over (so they leave the extra arguments). */
  readonly usedChardevs: Set<QemuArg>;
}

export const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Where a backend (or one of its items) was written: its value word and the index in it. */
export function at(def: NetdevDef, item?: Item) {
  return [def.arg.value ?? def.arg.word, item?.at ?? 0] as const;
}

export function addOption(o: Options, key: string, value: string): void {
  const prev = o[key];
  o[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
}

/** The backend kept as written: a netdev node. */
export function asWritten(s: ClassifyScope, def: NetdevDef, why: string): Candidate {
  if ((NETDEV_TYPES_DRAWN as readonly string[]).includes(def.type)) {
    s.report.add(
      'IMPORT_UNLINKED',
      `${s.vm}: ${def.type} backend ${def.id} cannot be drawn (${why}), so its NIC is left unlinked`,
      ...at(def),
      [s.vm],
    );
    return { kind: 'lost' };
  }
  const options: Options = {};
  for (const i of def.items) {
    if (def.type === 'passt' && i.key === 'path') {
      s.report.add(
        'IMPORT_LOST',
        `${s.vm}: passt path=${i.value} is left out: it names a program to run, and the lab runs the passt on PATH`,
        ...at(def, i),
        [s.vm],
      );
      continue;
    }
    addOption(options, i.key, i.value);
  }
  const node = { kind: 'netdev' as const, type: def.type, ...(Object.keys(options).length ? { options } : {}) };
  if (!NODE_SCHEMAS.netdev.safeParse({ id: 'x', ...node }).success) {
    s.report.add(
      'IMPORT_UNLINKED',
      `${s.vm}: backend ${def.id} (${def.type}) cannot be kept as written (its type or an option name is not one QEMU takes), so its NIC is left unlinked`,
      ...at(def),
      [s.vm],
    );
    return { kind: 'lost' };
  }
  s.report.add(
    'IMPORT_AS_WRITTEN',
    `${s.vm}: backend ${def.id} (-netdev ${def.type}) is kept as written in a netdev node: ${why}`,
    ...at(def),
    [s.vm],
  );
  return { kind: 'node', node, idHint: def.type };
}

/** A typed node if its schema takes it, else the backend as written. */
export function typed(
  s: ClassifyScope,
  def: NetdevDef,
  node: Record<string, unknown> & { kind: NodeKind },
  idHint: string,
  share?: string,
): Candidate {
  const check = NODE_SCHEMAS[node.kind].safeParse({ id: 'x', ...node });
  if (check.success) return { kind: 'node', node, idHint, ...(share !== undefined ? { share } : {}) };
  const issue = check.error.issues[0];
  return asWritten(
    s,
    def,
    `a ${node.kind} node cannot hold it (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`,
  );
}
