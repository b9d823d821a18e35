/**
 * Networking among a VM's extra arguments: the drawing owns every NIC, backend and forward, so extra arguments may
 * not add one, whatever the spelling. Each form refused here was seen to make QEMU 7.2 create a NIC, a port forward
 * or a capture (extraArgs.qemu.test.ts).
 */
import { extraOptions, optProps, propOrImplied } from './qemuOpts';

/** Options that add networking to a guest outright (the last four are long gone from QEMU, refused all the same). */
const NETWORK_OPTIONS: Record<string, string> = {
  '-netdev': 'adds a network backend',
  '-nic': 'adds a NIC and its backend',
  '-net': 'adds a NIC or a backend',
  '-readconfig': 'reads a config file, which can add netdevs and NICs the drawing does not show',
  '-set': 'rewrites options the drawing compiled (device.ID.netdev=, netdev.ID.hostfwd=, …)',
  '-redir': 'adds a port forward',
  '-tftp': 'configures SLiRP',
  '-bootp': 'configures SLiRP',
  '-smb': 'configures SLiRP',
};

/** QEMU NIC device names: anything with a `net` word (virtio-net-pci, usb-net, xen-net…) and the classic models. */
const NET_DEVICE =
  /(^|[-_])net([-_]|$)|^(e1000|e1000e|igb|rtl8139|ne2k|pcnet|i8255|i8254|i8256|i8255\d|vmxnet|tulip|sungem|sunhme|eepro100|lan9118|smc91c111|ftgmac100|imx\.enet|cadence_gem|xgmac|mipsnet|dp8393x|spapr-vlan|rocker|e100)/i;

/** Net filters and COLO: objects that copy, capture, redirect or rewrite a netdev's packets. */
const NET_OBJECTS = /^(filter-|colo-compare$)/;

/** Why one option is networking, or null. */
function whyNetworking(name: string, value: string | null): string | null {
  const outright = NETWORK_OPTIONS[name];
  if (outright) return `${name} ${outright}`;
  if (value === null) return null;
  if (name === '-device') {
    const p = optProps(value);
    const driver = propOrImplied(p, 'driver');
    if (NET_DEVICE.test(driver)) return `-device ${driver} is a network card`;
    if (p.props.has('netdev')) return `-device ${driver} with netdev= joins a network backend`;
  }
  if (name === '-global') {
    const p = optProps(value);
    const prop = p.props.get('property') ?? [...p.props.keys()][0]?.split('.').pop() ?? '';
    if (prop === 'netdev') return '-global …netdev= attaches network backends to NICs';
  }
  if (name === '-usbdevice' && /^net\b/.test(value.trim())) return '-usbdevice net: adds a USB network card';
  if (name === '-object') {
    const type = propOrImplied(optProps(value), 'qom-type');
    if (NET_OBJECTS.test(type)) return `-object ${type} captures, copies or redirects a netdev's packets`;
  }
  return null;
}

/** The first networking option among a VM's extra arguments, with its index and why it is refused; else null. */
export function networkingArg(args: readonly string[]): { index: number; arg: string; why: string } | null {
  for (const opt of extraOptions(args)) {
    const why = whyNetworking(opt.name, opt.value);
    if (why) return { index: opt.index, arg: args[opt.index] ?? '', why };
  }
  return null;
}
