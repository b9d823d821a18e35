import { describe, expect, it } from 'vitest';
import { reportedAddresses, watchGuestReport } from './guest-report';
import { RingBuffer } from './ring-buffer';

const NICS = [
  { nic: 'lan', mac: null, realization: 'tap qn1a03' },
  { nic: 'wan', mac: null, realization: 'user' },
  { nic: 'spare', mac: null, realization: null },
];

describe('reportedAddresses', () => {
  it('gives interface N to the plan NIC N, leaving out what the guest has no address for', () => {
    expect(reportedAddresses('QNET-READY hostname=r if0=10.0.9.1/24 if1=10.0.2.15/24 if2=-\r', NICS)).toEqual({
      lan: '10.0.9.1/24',
      wan: '10.0.2.15/24',
    });
  });

  it('takes only well-formed IPv4 addresses from the console, and no interface beyond the plan', () => {
    const line = 'QNET-READY hostname=r if0=<b>x</b> if1=10.0.2.300/24 if2=10.1.1.1/33 if3=10.0.0.3/8';
    expect(reportedAddresses(line, NICS)).toEqual({});
    expect(reportedAddresses('Welcome to QNET', NICS)).toBeUndefined();
  });
});

describe('watchGuestReport', () => {
  it('finds a ready line split across chunks among boot messages, each boot once', () => {
    const buffer = new RingBuffer(1024);
    const reports: Record<string, string>[] = [];
    const stop = watchGuestReport(buffer, NICS, (a) => reports.push(a));
    for (const chunk of [
      '[    0.5] virtio_net virtio0 eth0: renamed\r\nQNET-REA',
      'DY hostname=r if0=10.0.9.1/24 if1=',
      '10.0.2.15/24\r\n~ # ',
    ])
      buffer.append(Buffer.from(chunk));
    expect(reports).toEqual([{ lan: '10.0.9.1/24', wan: '10.0.2.15/24' }]);
    buffer.append(Buffer.from('reboot\r\n...\r\nQNET-READY hostname=r if0=10.0.9.1/24 if1=-\r\n'));
    expect(reports).toEqual([{ lan: '10.0.9.1/24', wan: '10.0.2.15/24' }, { lan: '10.0.9.1/24' }]);
    stop();
    buffer.append(Buffer.from('QNET-READY hostname=r if0=10.0.9.9/24\n'));
    expect(reports).toHaveLength(2);
  });
});
