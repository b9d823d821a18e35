import { Arch, type NodeKind } from '../../shared/model';
import type { FieldType } from './Field';

/** One field of a node form: where it sits in the node, how it is edited. */
export interface FieldDef {
  readonly path: readonly (string | number)[];
  readonly label: string;
  readonly type: FieldType;
  readonly options?: readonly string[];
  readonly optional?: boolean;
  readonly placeholder?: string;
  readonly hint?: string;
  /** A hint or suggestions read live from the probe or the plan (FieldRows.tsx resolves them). */
  readonly live?: 'nic-models' | 'derived-mac';
  /** `lines`: a list of strings edited as text, one a line; blank lines dropped, none is no list at all. */
  readonly codec?: 'lines';
}

const t = (path: string, label: string, placeholder?: string): FieldDef => ({
  path: [path],
  label,
  type: 'text',
  optional: true,
  ...(placeholder ? { placeholder } : {}),
});
const req = (path: string, label: string): FieldDef => ({ path: [path], label, type: 'text' });
const n = (path: string, label: string, optional = false): FieldDef => ({
  path: [path],
  label,
  type: 'number',
  optional,
});
const c = (path: string, label: string): FieldDef => ({ path: [path], label, type: 'checkbox' });
const tri = (path: string, label: string): FieldDef => ({ path: [path], label, type: 'tristate', optional: true });
const s = (path: string, label: string, options: readonly string[], optional = false): FieldDef => ({
  path: [path],
  label,
  type: 'select',
  options,
  optional,
});

const NAME = t('name', 'Name');
const NOTES = t('notes', 'Notes');

/** The main fields of each node kind's form (lists such as NICs and port forwards have their own editors). */
/** A guest's console on a loopback TCP port (VM and UML). */
const CONSOLE_PORT: FieldDef = {
  path: ['console', 'tcpPort'],
  label: 'Console TCP port',
  type: 'number',
  optional: true,
  placeholder: 'off',
  hint: 'the console on 127.0.0.1 while the lab runs: nc 127.0.0.1 PORT',
};

export const KIND_FIELDS: Record<NodeKind, readonly FieldDef[]> = {
  vm: [
    NAME,
    s('arch', 'Architecture', Arch.options),
    t('machine', 'Machine', 'q35 on x86, virt on arm/riscv'),
    s('accel', 'Accelerator', ['auto', 'kvm', 'tcg', 'hvf']),
    t('cpu', 'CPU model', 'QEMU default'),
    n('smp', 'vCPUs'),
    n('memory', 'Memory (MiB)'),
    t('binary', 'QEMU binary', 'qemu-system-<arch>'),
    CONSOLE_PORT,
    NOTES,
  ],
  host: [NAME, NOTES],
  bridge: [
    NAME,
    t('ifname', 'Bridge name', 'derived from the id'),
    t('address', 'Address', 'e.g. 10.0.0.254/24'),
    c('stp', 'STP'),
    c('nat', 'NAT to the outside'),
    c('external', 'Existing bridge (never created or deleted)'),
    NOTES,
  ],
  tap: [
    NAME,
    t('ifname', 'Interface name', 'derived'),
    t('owner', 'Owner user'),
    c('vhost', 'vhost-net'),
    n('queues', 'Queues'),
    NOTES,
  ],
  hub: [NAME, NOTES],
  vde: [
    NAME,
    t('sock', 'Socket directory', "under the lab's state directory"),
    n('ports', 'Ports'),
    c('hub', 'Hub mode'),
    NOTES,
  ],
  nat: [
    NAME,
    t('net', 'Network', '10.0.2.0/24'),
    t('host', 'Host address', '10.0.2.2'),
    t('dhcpstart', 'DHCP start', '10.0.2.15'),
    t('dns', 'DNS', '10.0.2.3'),
    t('hostname', 'Hostname'),
    t('domainname', 'Domain name'),
    c('restrict', 'Restrict (no outside access)'),
    tri('ipv4', 'IPv4'),
    tri('ipv6', 'IPv6'),
    t('tftp', 'TFTP root'),
    t('bootfile', 'BOOTP file'),
    t('smb', 'SMB share directory'),
    t('smbserver', 'SMB server address'),
    NOTES,
  ],
  mcast: [
    NAME,
    req('group', 'Group'),
    n('port', 'Port'),
    t('localAddr', 'Local address'),
    s('transport', 'Transport', ['auto', 'dgram', 'socket']),
    NOTES,
  ],
  l2tpv3: [
    NAME,
    req('src', 'Source'),
    req('dst', 'Destination'),
    c('udp', 'UDP'),
    n('srcport', 'Source port', true),
    n('dstport', 'Destination port', true),
    n('txsession', 'TX session'),
    n('rxsession', 'RX session', true),
    c('ipv6', 'IPv6'),
    c('cookie64', '64-bit cookies'),
    n('txcookie', 'TX cookie', true),
    n('rxcookie', 'RX cookie', true),
    c('counter', 'Counter'),
    c('pincounter', 'Pin counter'),
    n('offset', 'Offset', true),
    NOTES,
  ],
  'vhost-user': [
    NAME,
    req('socket', 'Socket path'),
    s('mode', 'Mode', ['client', 'server']),
    n('queues', 'Queues'),
    NOTES,
  ],
  vdpa: [NAME, req('vhostdev', 'vhost-vdpa device'), n('queues', 'Queues'), NOTES],
  netdev: [NAME, req('type', 'Netdev type'), NOTES],
  testpmd: [NAME, t('lcores', 'Lcores', '0-1'), n('memory', 'Memory (MiB)'), NOTES],
  uml: [NAME, n('memory', 'Memory (MiB)'), t('initrd', 'Initramfs', 'the tiny guest'), CONSOLE_PORT, NOTES],
};

/** The lab's own fields (Inspector.tsx shows them while nothing is selected); paths are into the topology. */
export const LAB_FIELDS: readonly FieldDef[] = [
  {
    path: ['name'],
    label: 'Name',
    type: 'text',
    hint: 'Names the running lab, its state directory and derived interface names.',
  },
  { path: ['description'], label: 'Description', type: 'multiline', optional: true },
  {
    path: ['settings', 'portBase'],
    label: 'Port base',
    type: 'number',
    hint: 'First of the ports derived for TCP and UDP links.',
  },
  {
    path: ['settings', 'macPrefix'],
    label: 'MAC prefix',
    type: 'text',
    hint: 'The first three bytes of every derived MAC.',
  },
];
