/**
 * Network equivalence of two QEMU argvs: the one definition the import round trip is held to. Two command lines are
 * network-equivalent when they build the same backends with the same options, the same NICs (model, MAC,
 * properties) peered with the same backends, and the same hubs, so each guest sees the same network.
 *
 * What it ignores, and why:
 * - id strings (netdev, device, chardev, hubport ids; hub numbers): names inside one process, seen by no guest;
 * - the order of options and of arguments, and how a NIC was written: `-nic TYPE,…,model=M` is `-netdev TYPE` with
 *   `-device M` (QEMU's documented equivalence), `-net nic` + `-net TYPE` is hub 0, JSON is key=value;
 * - a hub joining exactly one NIC and one backend: it passes every frame between them, as a direct peering does;
 * - spellings QEMU reads alike: booleans (on/yes/true), the deprecated short forms (`server`, `nowait`), values
 *   equal to QEMU's defaults (stream server=off, queues=1, l2tpv3 udp=off, vde's default switch, bridge br0, …),
 *   `reconnect=N` seconds as `reconnect-ms` of N thousand, hostfwd's empty protocol (tcp) and host address (all);
 * - the `virtio-net` alias and a NIC without a model: resolved per architecture and machine to the device QEMU makes;
 * - what one side leaves for QEMU or the kernel to pick: a MAC, a tap's interface name;
 * - what a lab cannot reproduce and makes itself instead: a tap's ifup/ifdown scripts, descriptors a parent
 *   process passed (fd=, fds= — whose count is the queue count —, vhostfd=, vhostfds=), the bridge helper's path;
 * - the `wait=` of a vhost-user chardev: QEMU waits for a vhost-user backend at start either way.
 */
import { readArgs } from './qemuargv';
import { collapseHubs, readVmNet, type ChardevDef, type Frontend, type NetdevDef, type VmNet } from './netparse';
import { concreteNicModel, qemuDefaultMachine } from './nicmodel';
import { bool } from './optvalue';
import { emulatorArch } from './qemuargv';
import { readOpts } from '../qemuopts';
import type { Word } from './shell';

/** The verdict, with the facts one side has and the other lacks. */
export interface Equivalence {
  readonly equivalent: boolean;
  readonly differences: readonly string[];
}

/** A token that matches any token of the other side (a value QEMU or the kernel picks). */
const ANY = '*';

type Pair = [string, string];

function norm(value: string): string {
  const b = bool(value);
  return b === null ? value : b ? 'on' : 'off';
}

function hostfwd(rule: string): string {
  const m = /^(tcp|udp)?:([^:]*):(\d+)-(.*)$/.exec(rule);
  return m ? `${m[1] || 'tcp'}:${m[2] || '0.0.0.0'}:${m[3]}-${m[4]}` : rule;
}

/** A backend's options in a canonical form: defaults dropped, spellings unified, sorted by key. */
function backendPairs(def: NetdevDef, chardevs: ReadonlyMap<string, ChardevDef>): { type: string; pairs: Pair[] } {
  let type = def.type;
  let items: Pair[] = def.items.map((i) => [i.key, norm(i.value)]);
  const get = (k: string) => items.find(([key]) => key === k)?.[1];
  const drop = (...keys: string[]) => (items = items.filter(([k]) => !keys.includes(k)));
  const dropIf = (k: string, v: string) => (items = items.filter(([key, val]) => !(key === k && val === v)));
  const set = (k: string, v: string) => (drop(k), items.push([k, v]));
  switch (type) {
    case 'tap': {
      if (get('helper') !== undefined) {
        type = 'bridge';
        items = [['br', get('br') ?? 'br0']];
        break;
      }
      const fds = get('fds');
      if (fds !== undefined && get('queues') === undefined) set('queues', String(fds.split(':').length));
      if ((get('vhostfd') !== undefined || get('vhostfds') !== undefined) && get('vhost') === undefined)
        set('vhost', 'on');
      drop('script', 'downscript', 'fd', 'fds', 'vhostfd', 'vhostfds');
      dropIf('queues', '1');
      dropIf('vhost', 'off');
      if (get('ifname') === undefined) set('ifname', ANY);
      break;
    }
    case 'bridge':
      drop('helper');
      if (get('br') === undefined) set('br', 'br0');
      break;
    case 'user': {
      const v4 = get('ipv4');
      const v6 = get('ipv6');
      drop('ipv4', 'ipv6');
      if (v4 !== undefined || v6 !== undefined) {
        const on4 = !(v4 === 'off' || (v4 === undefined && v6 === 'on'));
        const on6 = !(v6 === 'off' || (v6 === undefined && v4 === 'on'));
        if (!on4) set('ipv4', 'off');
        if (!on6) set('ipv6', 'off');
      }
      items = items.map(([k, v]): Pair => [
        k,
        k === 'hostfwd' ? hostfwd(v) : k === 'guestfwd' && v.startsWith(':') ? `tcp${v}` : v,
      ]);
      dropIf('restrict', 'off');
      break;
    }
    case 'socket':
      items = items.map(([k, v]): Pair => [k, k === 'listen' && v.startsWith(':') ? `0.0.0.0${v}` : v]);
      break;
    case 'stream': {
      if (get('server') === undefined) set('server', 'off');
      const sec = get('reconnect');
      if (sec !== undefined) {
        set('reconnect-ms', String(Number(sec) * 1000));
        drop('reconnect');
      }
      break;
    }
    case 'vde':
      if (get('sock') === undefined) set('sock', '/var/run/vde.ctl');
      break;
    case 'vhost-user': {
      const chr = chardevs.get(get('chardev') ?? '');
      drop('chardev');
      if (chr) {
        for (const i of chr.items) if (i.key !== 'wait') items.push([`chardev.${i.key}`, norm(i.value)]);
        if (!chr.items.some((i) => i.key === 'server')) items.push(['chardev.server', 'off']);
      } else items.push(['chardev', '(none)']);
      dropIf('queues', '1');
      dropIf('vhostforce', 'off');
      break;
    }
    case 'vhost-vdpa':
      if (get('vhostfd') !== undefined && get('vhostdev') === undefined) set('vhostdev', ANY);
      drop('vhostfd');
      dropIf('queues', '1');
      break;
    case 'l2tpv3':
      if (get('cookie64') !== undefined) set('cookie64', 'on');
      if (get('udp') === undefined) set('udp', 'off');
      for (const k of ['ipv6', 'counter', 'pincounter']) dropIf(k, 'off');
      if (get('rxsession') === get('txsession')) drop('rxsession');
      break;
  }
  // Rules and forwards are independent of each other: their order does not count. Other repeats keep theirs.
  const sorted = items
    .map((p, i) => [p, i] as const)
    .sort(([[ka, va], ia], [[kb, vb], ib]) =>
      ka < kb ? -1 : ka > kb ? 1 : ka === 'hostfwd' || ka === 'guestfwd' ? (va < vb ? -1 : va > vb ? 1 : 0) : ia - ib,
    );
  return { type, pairs: sorted.map(([p]) => p) };
}

/** A fact: tokens compared one by one, `*` matching any token. */
type Fact = readonly string[];

function backendFact(def: NetdevDef, net: VmNet): string[] {
  const { type, pairs } = backendPairs(def, net.chardevs);
  return ['backend', type, ...pairs.flat()];
}

function nicFact(fe: Frontend, arch: string, machine: string): string[] {
  const model = concreteNicModel(fe.driver, fe.onboard, arch, machine) ?? ANY;
  const props = fe.props.map((p): Pair => [p.key, norm(p.value)]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return ['nic', model, 'mac', fe.mac?.value.toLowerCase() ?? ANY, ...props.flat()];
}

const asWord = (text: string): Word => ({ text, runs: [[0, 0]], expansions: [], quoted: true });

/** The network facts of one argv (argv[0] the emulator), each a list of tokens. */
export function networkFacts(argv: readonly string[]): Fact[] {
  const arch = emulatorArch(argv[0] ?? '') ?? 'x86_64';
  const { args } = readArgs(argv.slice(1).map(asWord));
  let machine = qemuDefaultMachine(arch) ?? '';
  for (const a of args) {
    if ((a.name === '-machine' || a.name === '-M') && a.value)
      machine = readOpts(a.value.text, 'type').find((o) => o.key === 'type')?.value ?? machine;
  }
  const net = readVmNet(args);
  collapseHubs(net);
  const facts: Fact[] = [];
  const onHub = new Set<number>();
  for (const [, h] of net.hubs) for (const i of h.nics) onHub.add(i);
  net.nics.forEach((fe, i) => {
    if (onHub.has(i)) return;
    facts.push([...nicFact(fe, arch, machine), '--', ...(fe.peer ? backendFact(fe.peer, net) : ['none'])]);
  });
  for (const [, h] of net.hubs) {
    const members = [
      ...h.nics.map((i) => nicFact(net.nics[i] as Frontend, arch, machine)),
      ...h.backends.map((d) => backendFact(d, net)),
    ];
    const key = (m: string[]) => m.map((t) => (t === ANY ? '' : t)).join('\u0000');
    members.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
    facts.push(['hub', ...members.flatMap((m) => ['[', ...m, ']'])]);
  }
  for (const d of net.unused) facts.push(['unused', ...backendFact(d, net)]);
  return facts;
}

function matches(x: Fact, y: Fact, wild: boolean): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(wild && (x[i] === ANY || y[i] === ANY))) return false;
  return true;
}

/** Whether two argvs are network-equivalent (see the module comment for what that ignores), and how they differ. */
export function networkEquivalent(a: readonly string[], b: readonly string[]): Equivalence {
  const fa = networkFacts(a);
  const fb = networkFacts(b);
  const left = new Set(fa.map((_, i) => i));
  const right = new Set(fb.map((_, i) => i));
  for (const wild of [false, true]) {
    for (const i of [...left]) {
      const j = [...right].find((k) => matches(fa[i] as Fact, fb[k] as Fact, wild));
      if (j === undefined) continue;
      left.delete(i);
      right.delete(j);
    }
  }
  const differences = [
    ...[...left].map((i) => `only in the first: ${(fa[i] as Fact).join(' ')}`),
    ...[...right].map((i) => `only in the second: ${(fb[i] as Fact).join(' ')}`),
  ];
  return { equivalent: differences.length === 0, differences };
}
