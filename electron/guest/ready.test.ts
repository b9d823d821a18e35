import { describe, expect, it } from 'vitest';
import { guestKernelArgs, parseReadyLine } from './ready';

describe('parseReadyLine', () => {
  it('reads the hostname and each interface address, `-` as none', () => {
    expect(parseReadyLine('QNET-READY hostname=a if0=10.0.9.1/24 if1=- if2=10.0.2.15/24\r')).toEqual({
      hostname: 'a',
      interfaces: ['10.0.9.1/24', undefined, '10.0.2.15/24'],
    });
  });

  it('ignores text around the marker and refuses other lines', () => {
    expect(parseReadyLine('\x1b[2JQNET-READY hostname=qnet')).toEqual({ hostname: 'qnet', interfaces: [] });
    expect(parseReadyLine('qnet: could not load e1000.ko')).toBeUndefined();
    expect(parseReadyLine('QNET-READY if0=10.0.0.1/8')).toBeUndefined();
  });
});

describe('guestKernelArgs', () => {
  it('writes qnet.* words for the hostname, addresses, gateways and quiet', () => {
    expect(
      guestKernelArgs({
        hostname: 'r1',
        interfaces: [{ address: '10.0.9.1/24', gateway: '10.0.9.254' }, undefined, { address: 'dhcp' }],
        quiet: true,
      }),
    ).toEqual(['qnet.hostname=r1', 'qnet.if0=10.0.9.1/24', 'qnet.gw0=10.0.9.254', 'qnet.if2=dhcp', 'quiet']);
  });
});
