/**
 * What in a topology runs host programs or reaches host files, devices, sockets and interfaces. A file from
 * elsewhere is code: nothing it names may run before the user launches it, and a launch of a file with such items
 * needs the user's approval of exactly these items (the engine checks it; the UI and `qnet up` ask).
 */
import { hostAccessArgs } from './hostAccess';
import type { Arch, DiskImage, Topology, TopologyNode, VmNode } from './schema';
import { hostfwdValue, hostfwdWhat, rawGuestfwdTarget, rawHostfwdWhat } from './trustForwards';

/** One thing a topology does on the host, named by its node and field. */
export interface TrustItem {
  /** Id of the node (or of the bridge, for an uplink link). */
  readonly node: string;
  /** The field within the node, dotted (`binary`, `extraArgs[2]`, `guestfwd[0].target`), or `links[3]`. */
  readonly field: string;
  /** Where it sits in the document (for a file's line number). */
  readonly path: readonly (string | number)[];
  /** The value as written. */
  readonly value: string;
  /** What it does, as a sentence without the node and field: "runs the host program ./evil.sh". */
  readonly what: string;
}

/** The QEMU system emulator of an arch as installed (looked up on PATH): what probes run, whatever a file says. */
export function standardQemu(arch: Arch): string {
  return `qemu-system-${arch}`;
}

/** True when a VM runs the installed QEMU of its arch (no `binary`, or exactly that name). */
export function usesStandardQemu(vm: Pick<VmNode, 'arch' | 'binary'>): boolean {
  return vm.binary === undefined || vm.binary === standardQemu(vm.arch);
}

function diskAccess(img: DiskImage): string {
  if (img.clone !== undefined)
    return `lets the guest read the host file ${img.path} as the base of a linked clone (its writes go to the clone)`;
  return img.snapshot
    ? `lets the guest read the host file ${img.path} as a disk`
    : `lets the guest read and write the host file ${img.path} as a disk`;
}

type Add = (field: (string | number)[], value: string, what: string) => void;

function vmItems(n: VmNode, add: Add): void {
  if (!usesStandardQemu(n))
    add(['binary'], n.binary ?? '', `runs the host program ${n.binary} instead of ${standardQemu(n.arch)}`);
  const boot = n.boot;
  if (boot.type === 'kernel') {
    add(['boot', 'kernel'], boot.kernel, `gives the guest the host file ${boot.kernel} as its kernel`);
    if (boot.initrd !== undefined) add(['boot', 'initrd'], boot.initrd, `gives the guest the host file ${boot.initrd}`);
    if (boot.dtb !== undefined) add(['boot', 'dtb'], boot.dtb, `gives the guest the host file ${boot.dtb}`);
  } else if (boot.type === 'disk') {
    boot.images.forEach((img, i) => add(['boot', 'images', i, 'path'], img.path, diskAccess(img)));
  } else if (boot.type === 'cdrom') {
    add(['boot', 'path'], boot.path, `lets the guest read the host file ${boot.path} as a CD-ROM`);
  }
  n.disks?.forEach((img, i) => add(['disks', i, 'path'], img.path, diskAccess(img)));
  for (const a of hostAccessArgs(n.extraArgs))
    add(['extraArgs', a.index], a.arg, `passes "${a.arg}" to QEMU, which ${a.why}`);
  n.nics.forEach((nic, i) => {
    for (const [k, v] of Object.entries(nic.properties ?? {})) {
      const text = String(v);
      if (k === 'romfile' ? text !== '' : looksLikePath(text))
        add(['nics', i, 'properties', k], text, `gives the NIC the host file ${text}`);
    }
  });
}

/** A value QEMU may open on the host: an absolute, home-relative or dotted path, or a `unix:` address. */
function looksLikePath(v: string): boolean {
  return /^(\/|~|\.\.?\/)/.test(v) || /(^|[:=])\//.test(v);
}

type Scalar = string | number | boolean;

/** What a verbatim -netdev option of a node of `kind` does on the host, when it needs approval. */
function optionWhat(kind: TopologyNode['kind'], k: string, text: string): string | null {
  if (looksLikePath(text)) return `reaches the host path in ${k}=${text}`;
  if (kind === 'nat' && k === 'hostfwd') return rawHostfwdWhat(text);
  if (kind === 'nat' && k === 'guestfwd') return guestfwdWhat(rawGuestfwdTarget(text));
  return null;
}

/** Verbatim -netdev options that name host paths (sockets, files), and a NAT node's own forwards. */
function optionItems(
  kind: TopologyNode['kind'],
  options: Readonly<Record<string, Scalar | readonly Scalar[]>> | undefined,
  add: Add,
): void {
  for (const [k, v] of Object.entries(options ?? {})) {
    const values = Array.isArray(v) ? (v as readonly Scalar[]) : [v as Scalar];
    values.forEach((x, j) => {
      const text = String(x);
      const what = optionWhat(kind, k, text);
      if (what !== null) add(['options', k, ...(Array.isArray(v) ? [j] : [])], text, what);
    });
  }
}

function guestfwdWhat(target: string): string {
  if (target.startsWith('cmd:')) return `runs the host command "${target.slice(4)}" for each guest connection`;
  if (/^(file|pipe):/.test(target)) return `connects guests to the host file ${target.replace(/^\w+:/, '')}`;
  return `connects guests to the host's ${target}`;
}

function nodeItems(n: TopologyNode, add: Add): void {
  if ('options' in n && n.kind !== 'netdev') optionItems(n.kind, n.options, add);
  if (n.kind === 'nat' || n.kind === 'bridge')
    n.hostfwd.forEach((fwd, i) => {
      const what = hostfwdWhat(fwd);
      if (what !== null) add(['hostfwd', i], hostfwdValue(fwd), what);
    });
  switch (n.kind) {
    case 'vm':
      return vmItems(n, add);
    case 'nat':
      n.guestfwd.forEach((g, i) => add(['guestfwd', i, 'target'], g.target, guestfwdWhat(g.target)));
      if (n.smb !== undefined) add(['smb'], n.smb, `shares the host directory ${n.smb} with the guests (runs smbd)`);
      if (n.tftp !== undefined) add(['tftp'], n.tftp, `serves the host directory ${n.tftp} to the guests by TFTP`);
      return;
    case 'vde':
      if (n.sock !== undefined) add(['sock'], n.sock, `puts its switch in the host directory ${n.sock}`);
      return;
    case 'vhost-user':
      add(
        ['socket'],
        n.socket,
        n.mode === 'server'
          ? `creates the host socket ${n.socket}`
          : `connects the guest to the host socket ${n.socket}`,
      );
      return;
    case 'vdpa':
      add(['vhostdev'], n.vhostdev, `gives the guest the host device ${n.vhostdev}`);
      return;
    case 'netdev':
      add(
        ['type'],
        n.type,
        `passes -netdev ${n.type} to QEMU as written, which reaches what its options name on the host`,
      );
      return;
    case 'uml':
      if (n.initrd !== undefined)
        add(['initrd'], n.initrd, `gives the UML instance the host file ${n.initrd} as its initramfs`);
      return;
    case 'bridge':
      if (n.external)
        add(['external'], n.ifname ?? n.id, `connects guests to the host's own bridge ${n.ifname ?? n.id}`);
      return;
    default:
      return;
  }
}

const dotted = (path: readonly (string | number)[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

/** Everything in `topology` that runs host programs or reaches host files, devices, sockets or interfaces. */
export function trustItems(topology: Topology): TrustItem[] {
  const out: TrustItem[] = [];
  topology.nodes.forEach((n, i) => {
    nodeItems(n, (field, value, what) =>
      out.push({ node: n.id, field: dotted(field), path: ['nodes', i, ...field], value, what }),
    );
  });
  const hosts = new Set(topology.nodes.filter((n) => n.kind === 'host').map((n) => n.id));
  topology.links.forEach((l, i) => {
    for (const key of ['path', 'peerPath'] as const) {
      const p = l[key];
      if (p !== undefined)
        out.push({
          node: l.a.split(':')[0] ?? l.a,
          field: `links[${i}].${key}`,
          path: ['links', i, key],
          value: p,
          what: `puts the link's socket at the host path ${p}`,
        });
    }
    for (const [end, other] of [
      [l.a, l.b],
      [l.b, l.a],
    ] as const) {
      const [node, port] = end.split(':');
      if (node === undefined || port === undefined || !hosts.has(node)) continue;
      out.push({
        node,
        field: `links[${i}]`,
        path: ['links', i],
        value: `${end} - ${other}`,
        what: `adds the host interface ${port} to the lab's ${other} (the host's connection moves to it)`,
      });
    }
  });
  return out;
}

/** One item as a line: `node "a", binary: runs the host program ./evil.sh instead of qemu-system-x86_64`. */
export function formatTrustItem(item: TrustItem): string {
  return `node "${item.node}", ${item.field}: ${item.what}`;
}
