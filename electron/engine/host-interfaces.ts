/**
 * This machine's network interfaces for the compile target (Target.hostInterfaces): each interface's name, whether
 * it is wireless (a wireless interface cannot join a bridge) and its addresses. Read from sysfs and the kernel's
 * address list; loopback is left out (nothing uplinks through it).
 */
import { existsSync, readdirSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';
import type { HostInterface } from '../../shared/compiler/target';

export function probeHostInterfaces(
  sysClassNet = '/sys/class/net',
  addresses: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): HostInterface[] {
  let names: string[];
  try {
    names = readdirSync(sysClassNet);
  } catch {
    return [];
  }
  return names
    .filter((name) => name !== 'lo')
    .sort()
    .map((name) => ({
      name,
      wireless: existsSync(join(sysClassNet, name, 'wireless')) || existsSync(join(sysClassNet, name, 'phy80211')),
      addresses: (addresses[name] ?? []).map((a) => a.cidr ?? a.address),
    }));
}
