/** Options that add networking to a guest; the drawing owns those, so extra arguments may not. */
const NETWORK_OPTIONS = new Set(['-netdev', '-nic', '-net']);

/** QEMU NIC device names: anything with a `net` word (virtio-net-pci, usb-net, xen-net…) and the classic models. */
const NET_DEVICE =
  /(^|[-_])net([-_]|$)|^(e1000|e1000e|igb|rtl8139|ne2k|pcnet|i8255|i8254|i8256|i8255\d|vmxnet|tulip|sungem|sunhme|eepro100|lan9118|smc91c111|ftgmac100|imx\.enet|cadence_gem|xgmac|mipsnet|dp8393x|spapr-vlan|rocker|e100)/i;

function option(arg: string): { name: string; rest: string | null } {
  const trimmed = arg.trim();
  const m = /^(--?[A-Za-z0-9_-]+)(?:[\s=]+(.*))?$/s.exec(trimmed);
  if (!m) return { name: '', rest: null };
  const name = (m[1] ?? '').replace(/^--/, '-');
  return { name, rest: m[2] ?? null };
}

/** The first networking option among a VM's extra arguments, with its index and why it is refused; else null. */
export function networkingArg(args: readonly string[]): { index: number; arg: string; why: string } | null {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const { name, rest } = option(arg);
    if (NETWORK_OPTIONS.has(name)) return { index: i, arg, why: `${name} adds a network backend or NIC` };
    if (name === '-device') {
      const value = rest ?? args[i + 1] ?? '';
      const driver = (value.split(',')[0] ?? '').replace(/^driver=/, '').trim();
      if (NET_DEVICE.test(driver)) return { index: i, arg, why: `-device ${driver} is a network card` };
    }
  }
  return null;
}
