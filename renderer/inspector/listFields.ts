import { NODE_KINDS, NODE_SCHEMAS } from '../../shared/model';
import type { Boot, HostNode, NodeKind, TopologyNode, UmlNode, VmNode } from '../../shared/model';
import { newNic } from '../doc/factory';
import type { FieldDef } from './fields';
import { OPTION_ROWS } from './optionRows';

type Path = readonly (string | number)[];

/** How a list of strings is stored when it is not an array of them (a node's QEMU options as `key=value` rows). */
export interface RowCodec {
  readonly rows: (value: unknown) => string[];
  readonly value: (rows: readonly string[]) => unknown;
  /** Why a typed-in row cannot be one, before the schema is asked; null when it can. */
  readonly check: (text: string) => string | null;
}

/** A list of records (NICs, port forwards, disk images): each row a fieldset of the item's fields. */
export interface RecordListDef {
  readonly kind: 'records';
  /** Where the list sits, from the node or from the row that holds it. */
  readonly path: Path;
  readonly title: string;
  /** Names the rows' test ids: `inspector__<row>__<id>`, `inspector__add-<row>`, `inspector__remove-<row>__<id>`. */
  readonly row: string;
  readonly add: string;
  /** Each row's fields, paths into the item. */
  readonly fields: readonly FieldDef[];
  /** Lists inside each row (a host interface's addresses). */
  readonly lists?: readonly ListDef[];
  /** The item a click on Add appends: valid as it is, the user then edits it. */
  readonly seed: (node: TopologyNode, items: readonly unknown[]) => unknown;
  /** The row's stable id (React key and test ids); the row's index when absent. */
  readonly idField?: string;
  /** The field a row's legend shows; else `<legend> <n>`. */
  readonly legendField?: string;
  readonly legend?: string;
  /** The rows are the node's ports (`node:id`): removing one removes its links in the same undo step. */
  readonly ports?: boolean;
  readonly removeTitle?: string;
  readonly min?: number;
  readonly max?: number;
  /** The machine's own items offered above the list (a host node's discovered interfaces). */
  readonly discover?: 'host-interfaces';
}

/** A list of strings (extra arguments, DNS search domains, addresses, QEMU options): rows edited in place, one typed below. */
export interface StringListDef {
  readonly kind: 'strings';
  readonly path: Path;
  readonly title: string;
  /** What one row is, for the new-row field's label. */
  readonly item: string;
  readonly placeholder?: string;
  readonly codec?: RowCodec;
}

/** One list of the inspector's: the generic ListEditor renders every one of them from this table. */
export type ListDef = RecordListDef | StringListDef;

const text = (key: string, label: string, more: Partial<FieldDef> = {}): FieldDef => ({
  path: [key],
  label,
  type: 'text',
  ...more,
});
const num = (key: string, label: string): FieldDef => ({ path: [key], label, type: 'number' });

const NICS: RecordListDef = {
  kind: 'records',
  path: ['nics'],
  title: 'NICs',
  row: 'nic',
  add: 'Add NIC',
  idField: 'id',
  legendField: 'id',
  ports: true,
  removeTitle: 'Remove this NIC (and its link)',
  max: 32,
  seed: (node) => newNic(node as VmNode),
  fields: [
    text('model', 'Model', { live: 'nic-models' }),
    text('mac', 'MAC', { live: 'derived-mac' }),
    { path: ['form'], label: 'Form', type: 'select', options: ['device', 'nic'] },
    text('ip', 'Guest IP', { optional: true, placeholder: '10.0.0.1/24 or dhcp' }),
    text('gateway', 'Gateway', { optional: true }),
  ],
};

/** A User-mode Linux instance's interfaces (`ethN=`, N the row's position): each a port links name. */
const UML_NICS: RecordListDef = {
  kind: 'records',
  path: ['nics'],
  title: 'Interfaces',
  row: 'nic',
  add: 'Add interface',
  idField: 'id',
  legendField: 'id',
  ports: true,
  removeTitle: 'Remove this interface (and its link)',
  max: 32,
  seed: (node) => {
    const used = new Set((node as UmlNode).nics.map((n) => n.id));
    let i = 0;
    while (used.has(`eth${i}`)) i++;
    return { id: `eth${i}`, mac: 'auto' };
  },
  fields: [
    text('mac', 'MAC', { placeholder: 'auto' }),
    text('ip', 'Guest IP', { optional: true, placeholder: '10.0.0.2/24 or dhcp' }),
    text('gateway', 'Gateway', { optional: true }),
  ],
};

const HOSTFWD: RecordListDef = {
  kind: 'records',
  path: ['hostfwd'],
  title: 'Host port forwards',
  row: 'hostfwd',
  add: 'Add port forward',
  legend: 'forward',
  seed: () => ({ proto: 'tcp', hostAddr: '127.0.0.1', hostPort: 2222, guestPort: 22 }),
  fields: [
    { path: ['proto'], label: 'Protocol', type: 'select', options: ['tcp', 'udp'] },
    text('hostAddr', 'Host address'),
    num('hostPort', 'Host port'),
    text('guestAddr', 'Guest address', { optional: true, placeholder: 'the first DHCP address' }),
    num('guestPort', 'Guest port'),
  ],
};

/** A bridge's published ports: the guest is named by its address on the bridge. */
const BRIDGE_HOSTFWD: RecordListDef = {
  ...HOSTFWD,
  title: 'Ports published to the host',
  add: 'Publish a port',
  seed: () => ({ proto: 'tcp', hostAddr: '127.0.0.1', hostPort: 8080, guestAddr: '10.0.0.1', guestPort: 80 }),
  fields: HOSTFWD.fields.map((f) =>
    f.path[0] === 'guestAddr' ? text('guestAddr', 'Guest address', { placeholder: "the guest's NIC ip" }) : f,
  ),
};

const GUESTFWD: RecordListDef = {
  kind: 'records',
  path: ['guestfwd'],
  title: 'Guest forwards',
  row: 'guestfwd',
  add: 'Add guest forward',
  legend: 'forward',
  seed: () => ({ server: '10.0.2.100', port: 4321, target: 'tcp:127.0.0.1:4321' }),
  fields: [text('server', 'Server address'), num('port', 'Port'), text('target', 'Target (chardev or cmd:COMMAND)')],
};

const INTERFACES: RecordListDef = {
  kind: 'records',
  path: ['interfaces'],
  title: 'Interfaces',
  row: 'interface',
  add: 'Add interface',
  legendField: 'name',
  discover: 'host-interfaces',
  seed: (node) => {
    const used = new Set((node as HostNode).interfaces.map((x) => x.name));
    let n = 0;
    while (used.has(`eth${n}`)) n++;
    return { name: `eth${n}`, wireless: false, addresses: [] };
  },
  fields: [text('name', 'Name'), { path: ['wireless'], label: 'Wireless', type: 'checkbox' }],
  lists: [
    { kind: 'strings', path: ['addresses'], title: 'Addresses', item: 'address', placeholder: '192.168.1.10/24' },
  ],
};

const IMAGES: RecordListDef = {
  kind: 'records',
  path: ['images'],
  title: 'Disk images',
  row: 'image',
  add: 'Add disk image',
  legend: 'image',
  min: 1,
  seed: (_node, items) => ({ path: `disk${items.length + 1}.qcow2`, format: 'qcow2', snapshot: true }),
  fields: [
    text('path', 'Path'),
    { path: ['format'], label: 'Format', type: 'select', optional: true, options: ['qcow2', 'raw', 'vmdk', 'vdi'] },
    { path: ['snapshot'], label: 'Snapshot (changes are thrown away)', type: 'checkbox' },
    {
      path: ['clone'],
      label: 'Linked clone (instead)',
      type: 'select',
      optional: true,
      options: ['keep', 'discard'],
      hint: 'A qcow2 overlay of the image the lab makes in its state directory at launch (qemu-img): the guest writes there, lab snapshots are kept there; kept for the next launch, or discarded when the lab stops.',
    },
  ],
};

/** A VM's disks besides those it boots from (a scratch disk beside the tiny guest). */
const DISKS: RecordListDef = {
  ...IMAGES,
  path: ['disks'],
  title: 'Disks',
  row: 'disk',
  add: 'Add disk',
  legend: 'disk',
  min: 0,
  max: 16,
};

const OPTIONS: StringListDef = {
  kind: 'strings',
  path: ['options'],
  title: 'More QEMU options',
  item: 'QEMU option',
  placeholder: 'sndbuf=1048576',
  codec: OPTION_ROWS,
};

const OWN_LISTS: Partial<Record<NodeKind, readonly ListDef[]>> = {
  vm: [
    DISKS,
    NICS,
    {
      kind: 'strings',
      path: ['extraArgs'],
      title: 'Extra QEMU arguments',
      item: 'argument',
      placeholder: '-no-reboot',
    },
  ],
  nat: [
    { kind: 'strings', path: ['dnssearch'], title: 'DNS search domains', item: 'domain', placeholder: 'example.com' },
    HOSTFWD,
    GUESTFWD,
  ],
  host: [INTERFACES],
  bridge: [BRIDGE_HOSTFWD],
  uml: [UML_NICS],
};

function perKind<T>(of: (kind: NodeKind) => T): Record<NodeKind, T> {
  return Object.fromEntries(NODE_KINDS.map((kind) => [kind, of(kind)])) as unknown as Record<NodeKind, T>;
}

/** Each kind's lists, in the order the form shows them; a kind with verbatim QEMU options ends with them. */
export const KIND_LISTS = perKind<readonly ListDef[]>((kind) => [
  ...(OWN_LISTS[kind] ?? []),
  ...('options' in NODE_SCHEMAS[kind].shape ? [OPTIONS] : []),
]);

/** How each boot type is edited: its fields under `boot`, its lists, and whether it reads host paths. */
export interface BootForm {
  /** A valid boot of this type to switch to; the user then edits its paths. */
  readonly seed: Boot;
  readonly note?: string;
  /** It opens files on the host: the form says from where a relative path is read. */
  readonly paths: boolean;
  readonly fields: readonly FieldDef[];
  readonly lists: readonly ListDef[];
}

export const BOOT_FORMS: Record<Boot['type'], BootForm> = {
  tiny: {
    seed: { type: 'tiny' },
    note: 'The tiny guest built by `qnet guest build`.',
    paths: false,
    fields: [
      {
        path: ['run'],
        label: 'Run at boot (a command a line)',
        type: 'multiline',
        optional: true,
        codec: 'lines',
        placeholder: 'httpd -p 80 -h /www',
        hint: "Each line runs in the background once the guest's addresses are set; its output is in /tmp/run<N>.log.",
      },
    ],
    lists: [],
  },
  kernel: {
    seed: { type: 'kernel', kernel: 'vmlinuz' },
    paths: true,
    fields: [
      text('kernel', 'Kernel'),
      text('initrd', 'Initrd', { optional: true }),
      text('append', 'Kernel command line', { optional: true }),
      text('dtb', 'Device tree (dtb)', { optional: true }),
    ],
    lists: [],
  },
  disk: {
    seed: { type: 'disk', images: [{ path: 'disk.qcow2', format: 'qcow2', snapshot: true }] },
    paths: true,
    fields: [],
    lists: [IMAGES],
  },
  cdrom: { seed: { type: 'cdrom', path: 'install.iso' }, paths: true, fields: [text('path', 'ISO image')], lists: [] },
  none: { seed: { type: 'none' }, paths: false, fields: [], lists: [] },
};

/** A valid boot of each type (what the "Boot from" select switches to). */
export const BOOT_SEEDS = Object.fromEntries(
  Object.entries(BOOT_FORMS).map(([type, form]) => [type, form.seed]),
) as Record<Boot['type'], Boot>;

/** slirpvde on a VDE switch, under `slirp`: present with this seed once it is turned on. */
export const SLIRP_SEED = { dhcp: true } as const;
export const SLIRP_FIELDS: readonly FieldDef[] = [
  { path: ['dhcp'], label: 'DHCP', type: 'checkbox' },
  text('network', 'Network', { optional: true, placeholder: '10.0.2.0/24' }),
];

/** The sub-form each kind has beside its fields and lists (Inspector.tsx renders them). */
export const KIND_FORMS: Partial<Record<NodeKind, 'boot' | 'slirp'>> = { vm: 'boot', vde: 'slirp' };

/** The top-level fields each kind edits with a list or a sub-form, not with a field of KIND_FIELDS. */
export const KIND_EDITORS = perKind<readonly string[]>((kind) => [
  ...(KIND_FORMS[kind] ? [KIND_FORMS[kind]] : []),
  ...KIND_LISTS[kind].map((l) => String(l.path[0])),
]);
