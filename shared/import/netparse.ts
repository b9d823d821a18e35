/**
 * The networking of one QEMU command line, as QEMU would wire it: backends (`-netdev`, the backend half of `-nic`,
 * `-net TYPE`), frontends (`-device` NICs, the NIC half of `-nic`, `-net nic`), hubports and the legacy hub of
 * `-net` (hub 0, or `vlan=N` before QEMU 3.0), and the chardevs vhost-user names. Each NIC ends up peered with one
 * backend, on a hub, or with nothing. Shared by the importer and by the network-equivalence check.
 */
import { networkingArg } from '../model/extraArgs';
import type { QemuArg } from './qemuargv';
import type { Word } from './shell';
import { first, readValue, without, type Item } from './optvalue';

/** A backend: its type and options as written (without id and type). */
export interface NetdevDef {
  readonly id: string;
  readonly type: string;
  readonly items: readonly Item[];
  readonly arg: QemuArg;
  /** `-net TYPE` (and `-netdev hubport,netdev=`) attach it to a hub. */
  hub?: number;
}

/** A NIC: its model as written (undefined: the machine's default), MAC, more properties, and what it is peered with. */
export interface Frontend {
  readonly driver: string | undefined;
  readonly mac: Item | undefined;
  readonly props: readonly Item[];
  readonly onboard: boolean;
  readonly arg: QemuArg;
  /** The `netdev=` it names, as written. */
  readonly netdevRef: string | undefined;
  /** Its id as written (`-device …,id=`, `-nic …,id=`, `-net nic,id=`). */
  readonly id: string | undefined;
  peer: NetdevDef | null;
  hub: number | null;
}

/** A chardev, by id: a vhost-user netdev names one. */
export interface ChardevDef {
  readonly id: string;
  readonly backend: string;
  readonly items: readonly Item[];
  readonly arg: QemuArg;
}

/** A problem found while wiring, at an index into an argument's value (or its option word). */
export interface NetProblem {
  readonly code:
    | 'IMPORT_BAD_VALUE'
    | 'IMPORT_NETDEV_UNKNOWN'
    | 'IMPORT_NETDEV_UNUSED'
    | 'IMPORT_NETDEV_TWICE'
    | 'IMPORT_SHORT_BOOLEAN'
    | 'IMPORT_VLAN';
  readonly message: string;
  readonly word: Word;
  readonly index: number;
}

/** One command line's networking. */
export interface VmNet {
  readonly nics: Frontend[];
  /** Hubs by id: the NICs (indexes into `nics`) and backends on each; `legacy` when only `-net` made it. */
  readonly hubs: Map<number, { nics: number[]; backends: NetdevDef[]; legacy: boolean }>;
  /** Backends nothing uses. */
  readonly unused: NetdevDef[];
  readonly chardevs: ReadonlyMap<string, ChardevDef>;
  /** The arguments read here (networking); the others are the VM's. */
  readonly consumed: Set<QemuArg>;
  readonly problems: NetProblem[];
}

/** True for a `-device` that is a network card: it names a netdev, or the model's refusal list calls it one. */
function isNic(driver: string, items: readonly Item[]): boolean {
  return items.some((i) => i.key === 'netdev') || networkingArg(['-device', driver]) !== null;
}

interface Hubport {
  readonly id: string;
  readonly hubid: number;
  readonly netdev: string | undefined;
  readonly arg: QemuArg;
}

/** Read and wire the networking options of one command line. */
export function readVmNet(args: readonly QemuArg[]): VmNet {
  const problems: NetProblem[] = [];
  const consumed = new Set<QemuArg>();
  const netdevs = new Map<string, NetdevDef>();
  const order: NetdevDef[] = [];
  const nics: Frontend[] = [];
  const hubports = new Map<string, Hubport>();
  const chardevs = new Map<string, ChardevDef>();
  const hubs = new Map<number, { nics: number[]; backends: NetdevDef[]; legacy: boolean }>();
  let anon = 0;
  const bad = (arg: QemuArg, message: string, index = 0, code: NetProblem['code'] = 'IMPORT_BAD_VALUE') =>
    problems.push({ code, message, word: arg.value ?? arg.word, index });
  const hub = (n: number, legacy = false) => {
    let h = hubs.get(n);
    if (!h) hubs.set(n, (h = { nics: [], backends: [], legacy }));
    else if (!legacy) h.legacy = false;
    return h;
  };
  const flags = (arg: QemuArg, items: readonly Item[]) => {
    for (const i of items) {
      if (i.flag)
        bad(
          arg,
          `"${arg.value?.text.slice(i.at).split(',')[0]}" is QEMU's deprecated short form of ${i.key}=${i.value}; read as that`,
          i.at,
          'IMPORT_SHORT_BOOLEAN',
        );
    }
  };
  const addNetdev = (def: NetdevDef, arg: QemuArg) => {
    if (netdevs.has(def.id)) return bad(arg, `netdev id ${def.id} is used twice; QEMU refuses the second`, 0);
    netdevs.set(def.id, def);
    order.push(def);
  };

  for (const arg of args) {
    const value = arg.value;
    if (!value) continue;
    if (arg.name === '-netdev' || arg.name === '-nic' || arg.name === '-net') {
      consumed.add(arg);
      const r = readValue(value.text, 'type');
      if (!r.ok) {
        bad(arg, r.message, r.at);
        continue;
      }
      flags(arg, r.items);
      const type = first(r.items, 'type') ?? (arg.name === '-nic' ? 'user' : undefined);
      if (type === undefined) {
        bad(arg, `${arg.name} needs a backend type first (like user, tap or socket)`);
        continue;
      }
      if (type === 'none') continue;
      if (arg.name === '-netdev') {
        const id = first(r.items, 'id');
        if (id === undefined) {
          bad(arg, '-netdev needs an id= that a NIC names with netdev=');
          continue;
        }
        if (type === 'hubport') {
          const hubid = Number(first(r.items, 'hubid'));
          if (!Number.isInteger(hubid)) bad(arg, 'a hubport needs hubid=N');
          else hubports.set(id, { id, hubid, netdev: first(r.items, 'netdev'), arg });
          continue;
        }
        addNetdev({ id, type, items: without(r.items, 'id', 'type'), arg }, arg);
      } else if (arg.name === '-nic') {
        const model = first(r.items, 'model');
        const mac = r.items.find((i) => i.key === 'mac');
        const fe: Frontend = {
          driver: model,
          mac,
          props: [],
          onboard: true,
          arg,
          netdevRef: undefined,
          id: first(r.items, 'id'),
          peer: null,
          hub: null,
        };
        nics.push(fe);
        if (type === 'hubport') {
          const hubid = Number(first(r.items, 'hubid'));
          if (!Number.isInteger(hubid)) bad(arg, 'a hubport needs hubid=N');
          else {
            fe.hub = hubid;
            hub(hubid).nics.push(nics.length - 1);
          }
          continue;
        }
        const def: NetdevDef = {
          id: first(r.items, 'id') ?? `#nic${++anon}`,
          type,
          items: without(r.items, 'id', 'type', 'model', 'mac'),
          arg,
        };
        addNetdev(def, arg);
        fe.peer = def;
      } else if (type === 'nic') {
        const vlan = first(r.items, 'vlan');
        if (vlan !== undefined)
          bad(
            arg,
            `vlan=${vlan} was removed in QEMU 3.0; read as hub ${vlan}`,
            r.items.find((i) => i.key === 'vlan')?.at ?? 0,
            'IMPORT_VLAN',
          );
        const props = r.items.filter((i) => i.key === 'addr' || i.key === 'vectors');
        for (const i of r.items)
          if (!['type', 'model', 'macaddr', 'netdev', 'addr', 'vectors', 'vlan', 'id', 'name'].includes(i.key))
            bad(arg, `-net nic has no option ${i.key}`, i.at);
        const nd = first(r.items, 'netdev');
        const fe: Frontend = {
          driver: first(r.items, 'model'),
          mac: r.items.find((i) => i.key === 'macaddr'),
          props,
          onboard: props.length === 0,
          arg,
          netdevRef: nd,
          id: first(r.items, 'id') ?? first(r.items, 'name'),
          peer: null,
          hub: null,
        };
        nics.push(fe);
        if (nd === undefined) {
          fe.hub = Number(vlan ?? 0);
          hub(fe.hub, true).nics.push(nics.length - 1);
        }
      } else {
        if (type === 'hubport') {
          bad(arg, "network backend 'hubport' is only supported with -netdev and -nic");
          continue;
        }
        const vlan = first(r.items, 'vlan');
        if (vlan !== undefined)
          bad(
            arg,
            `vlan=${vlan} was removed in QEMU 3.0; read as hub ${vlan}`,
            r.items.find((i) => i.key === 'vlan')?.at ?? 0,
            'IMPORT_VLAN',
          );
        const def: NetdevDef = {
          id: first(r.items, 'id') ?? first(r.items, 'name') ?? `#net${++anon}`,
          type,
          items: without(r.items, 'id', 'name', 'type', 'vlan'),
          arg,
          hub: Number(vlan ?? 0),
        };
        addNetdev(def, arg);
        hub(def.hub as number, true).backends.push(def);
      }
    } else if (arg.name === '-device') {
      const r = readValue(value.text, 'driver');
      if (!r.ok) {
        // A -device we cannot read may well be a NIC: report it and keep it out of the extra arguments.
        consumed.add(arg);
        bad(arg, r.message, r.at);
        continue;
      }
      const driver = first(r.items, 'driver') ?? '';
      if (!isNic(driver, r.items)) continue;
      consumed.add(arg);
      flags(arg, r.items);
      const fe: Frontend = {
        driver,
        mac: r.items.find((i) => i.key === 'mac'),
        props: without(r.items, 'driver', 'netdev', 'mac', 'id'),
        onboard: false,
        arg,
        netdevRef: first(r.items, 'netdev'),
        id: first(r.items, 'id'),
        peer: null,
        hub: null,
      };
      nics.push(fe);
    } else if (arg.name === '-chardev') {
      const r = readValue(value.text, 'backend');
      if (!r.ok) continue;
      const id = first(r.items, 'id');
      if (id !== undefined)
        chardevs.set(id, {
          id,
          backend: first(r.items, 'backend') ?? '',
          items: without(r.items, 'id', 'backend'),
          arg,
        });
    }
  }

  // Wire: a NIC's netdev= names a backend or a hubport; a hubport's netdev= puts a backend on its hub.
  const used = new Map<string, QemuArg>();
  const use = (id: string, by: QemuArg): boolean => {
    const prev = used.get(id);
    if (prev) {
      bad(
        by,
        `netdev ${id} is already used by ${prev.name} ${prev.value?.text.split(',')[0] ?? ''}; QEMU refuses it in use twice`,
        0,
        'IMPORT_NETDEV_TWICE',
      );
      return false;
    }
    used.set(id, by);
    return true;
  };
  for (const hp of hubports.values()) {
    if (hp.netdev === undefined) continue;
    const def = netdevs.get(hp.netdev);
    if (!def) {
      bad(
        hp.arg,
        `netdev=${hp.netdev} names no -netdev of this command line`,
        hp.arg.value?.text.indexOf('netdev=') ?? 0,
        'IMPORT_NETDEV_UNKNOWN',
      );
      continue;
    }
    if (use(def.id, hp.arg)) {
      def.hub = hp.hubid;
      hub(hp.hubid).backends.push(def);
    }
  }
  nics.forEach((fe, i) => {
    const nd = fe.netdevRef;
    if (nd === undefined) {
      if (fe.peer) use(fe.peer.id, fe.arg);
      return;
    }
    const at = fe.arg.value?.text.indexOf('netdev') ?? 0;
    const hp = hubports.get(nd);
    if (hp) {
      if (use(nd, fe.arg)) {
        fe.hub = hp.hubid;
        hub(hp.hubid).nics.push(i);
      }
      return;
    }
    const def = netdevs.get(nd);
    if (!def)
      return bad(
        fe.arg,
        `netdev=${nd} names no -netdev of this command line`,
        Math.max(0, at),
        'IMPORT_NETDEV_UNKNOWN',
      );
    if (def.hub !== undefined)
      return bad(
        fe.arg,
        `netdev ${nd} is already on hub ${def.hub}; QEMU refuses it in use twice`,
        Math.max(0, at),
        'IMPORT_NETDEV_TWICE',
      );
    if (use(nd, fe.arg)) fe.peer = def;
  });
  for (const def of order)
    if (def.hub === undefined && !used.has(def.id))
      problems.push({
        code: 'IMPORT_NETDEV_UNUSED',
        message: `no NIC or hubport uses netdev ${def.id}, so QEMU warns "netdev ${def.id} has no peer"`,
        word: def.arg.value ?? def.arg.word,
        index: 0,
      });
  for (const hp of hubports.values())
    if (hp.netdev === undefined && !used.has(hp.id))
      problems.push({
        code: 'IMPORT_NETDEV_UNUSED',
        message: `no NIC uses hubport ${hp.id}, so QEMU warns "hub port ${hp.id} has no peer"`,
        word: hp.arg.value ?? hp.arg.word,
        index: 0,
      });
  for (const hp of hubports.values()) consumed.add(hp.arg);
  const unused = order.filter((d) => d.hub === undefined && !used.has(d.id));
  return { nics, hubs, unused, chardevs, consumed, problems };
}

/**
 * A hub with exactly one NIC and one backend passes every frame between the two, as a direct peering would:
 * `-net nic -net user` is a NIC on user networking. Such hubs become direct peerings (with `legacyOnly`, only the
 * implicit hubs of `-net`: a hub written with hubports was meant); others stay.
 */
export function collapseHubs(net: VmNet, legacyOnly = false): void {
  for (const [id, h] of [...net.hubs]) {
    if (h.nics.length !== 1 || h.backends.length !== 1 || (legacyOnly && !h.legacy)) continue;
    const fe = net.nics[h.nics[0] as number] as Frontend;
    fe.peer = h.backends[0] as NetdevDef;
    fe.hub = null;
    net.hubs.delete(id);
  }
}
