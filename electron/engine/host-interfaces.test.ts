import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeHostInterfaces } from './host-interfaces';

const dir = mkdtempSync(join(tmpdir(), 'qnet-ifaces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('probeHostInterfaces', () => {
  it('lists the interfaces but loopback, wireless ones marked (wireless/ or phy80211), with their addresses', () => {
    for (const d of ['lo', 'eth0', 'wlan0/wireless', 'wlp2s0/phy80211', 'br0/bridge'])
      mkdirSync(join(dir, d), { recursive: true });
    const addrs = {
      eth0: [{ address: '192.168.1.5', cidr: '192.168.1.5/24', family: 'IPv4' }],
      wlan0: [{ address: 'fe80::1', cidr: 'fe80::1/64', family: 'IPv6' }],
    } as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;
    expect(probeHostInterfaces(dir, addrs)).toEqual([
      { name: 'br0', wireless: false, addresses: [] },
      { name: 'eth0', wireless: false, addresses: ['192.168.1.5/24'] },
      { name: 'wlan0', wireless: true, addresses: ['fe80::1/64'] },
      { name: 'wlp2s0', wireless: true, addresses: [] },
    ]);
    expect(probeHostInterfaces(join(dir, 'none'))).toEqual([]);
  });

  it('reads this machine: loopback left out, every other interface of /sys/class/net listed', () => {
    const mine = probeHostInterfaces();
    expect(mine.map((i) => i.name)).not.toContain('lo');
  });
});
