import { describe, expect, it } from 'vitest';
import type { HostNode } from '../../shared/model';
import { discoveredToAdd, interfaceOf } from './discovered';

const host = { id: 'h', kind: 'host', interfaces: [{ name: 'eth0', wireless: false, addresses: [] }] } as HostNode;
const found = [
  { name: 'eth0', wireless: false, addresses: ['10.0.0.2/24'] },
  { name: 'wlan0', wireless: true, addresses: ['192.168.1.9/24'] },
];

describe('discovered interfaces', () => {
  it('offers the ones the host node does not list, as host interfaces', () => {
    expect(discoveredToAdd(host, found)).toEqual([found[1]]);
    expect(discoveredToAdd(host, undefined)).toEqual([]);
    expect(interfaceOf(found[1]!)).toEqual({ name: 'wlan0', wireless: true, addresses: ['192.168.1.9/24'] });
  });
});
