import { describe, expect, it } from 'vitest';
import { packetRow, readPackets } from './packets';

describe('packet rows', () => {
  it("reads tshark's tab-separated columns; Info keeps its own tabs", () => {
    expect(packetRow('3\t1.000160000\t10.0.5.1\t10.0.5.2\tICMP\tEcho (ping) request  id=0x3529\tx')).toEqual({
      no: 3,
      time: 1.00016,
      source: '10.0.5.1',
      destination: '10.0.5.2',
      protocol: 'ICMP',
      info: 'Echo (ping) request  id=0x3529\tx',
    });
    expect(packetRow('')).toBeNull();
    expect(packetRow('Running as user "root"')).toBeNull();
  });

  it('says so when tshark is not installed, instead of failing', async () => {
    expect(await readPackets('/nonexistent.pcap', 'icmp', 0, { PATH: '/nonexistent' })).toEqual({ kind: 'no-tshark' });
  });
});
