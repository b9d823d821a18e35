/**
 * NIC models whose shape is not the usual pluggable PCI card: on-board NICs QEMU creates only through `-nic` (a
 * board's own Ethernet; `-device lan9118` fails with "Parameter 'driver' expects a pluggable device type"), models
 * QEMU lists among NICs that are no Ethernet card (`pvrdma`: `-nic model=pvrdma` fails with "Property 'pvrdma.mac'
 * not found"), and USB NICs, which need a USB controller. Verified on QEMU 7.2.
 */

/** Board NICs (sysbus devices, not user-creatable): only the `-nic` form can make them. */
const ONBOARD_ONLY = new Set([
  'lan9118',
  'smc91c111',
  'stellaris_enet',
  'mcf_fec',
  'xgmac',
  'cadence_gem',
  'imx.enet',
  'imx.fec',
  'ftgmac100',
  'npcm7xx-emc',
  'dp8393x',
  'mipsnet',
  'lance',
  'opencores_eth',
  'xilinx-axienet',
  'xlnx.xps-ethernetlite',
  'msf2-emac',
  'allwinner-emac',
  'allwinner-sun8i-emac',
]);

/** Listed by `-nic model=help` but not an Ethernet card, with what it is instead. */
const NOT_ETHERNET: Readonly<Record<string, string>> = {
  pvrdma: 'a paravirtual RDMA device (it needs a vmxnet3 beside it and takes no MAC)',
};

/** True for a board's own NIC, which only `-nic` creates. */
export function isOnboardOnly(model: string): boolean {
  return ONBOARD_ONLY.has(model);
}

/** Why `model` is no Ethernet NIC, or undefined when it is one. */
export function notEthernet(model: string): string | undefined {
  return NOT_ETHERNET[model];
}

/** True for a USB NIC: it sits on a USB bus, which a USB controller brings. */
export function isUsbNic(model: string): boolean {
  return model === 'usb-net';
}
