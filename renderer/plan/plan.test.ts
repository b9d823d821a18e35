import { describe, expect, it } from 'vitest';
import { compile, DEFAULT_TARGET } from '../../shared/compiler';
import { loadTopology } from '../../shared/model';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeNetdev, linkLabels } from './linkLabels';
import { machinePairs, targetFor } from './target';

const root = join(import.meta.dirname, '../..');
function example(name: string) {
  const r = loadTopology(readFileSync(join(root, 'assets/examples', name), 'utf8'), name);
  if (!r.ok) throw new Error('bad example');
  return r.topology;
}

describe('targetFor', () => {
  const base = { ...DEFAULT_TARGET, vhostNet: true };
  it('keeps the NIC models of the pairs the topology uses, in node order, keys in the CLI order', () => {
    const t = example('09-aarch64-virt.qnet.yaml');
    expect(machinePairs(t)).toEqual(['aarch64/virt']);
    const target = targetFor(t, { base, probesNicModels: true, nicModels: { 'x86_64/q35': ['e1000'], 'aarch64/virt': ['virtio-net-device'] } });
    expect(target.nicModels).toEqual({ 'aarch64/virt': ['virtio-net-device'] });
    expect(Object.keys(target).slice(-2)).toEqual(['nicModels', 'vhostNet']);
  });
  it('has no nicModels when the CLI would not probe them (--qemu-version, no QEMU)', () => {
    expect('nicModels' in targetFor(example('05-socket-pair.qnet.yaml'), { base, probesNicModels: false, nicModels: {} })).toBe(false);
  });
});

describe('linkLabels', () => {
  it('reads how each link is realized from the compiled argv', () => {
    for (const [file, want] of [
      ['02-tap-bridge.qnet.yaml', /^tap qn/],
      ['05-socket-pair.qnet.yaml', /^socket (listen|connect)$/],
      ['06-mcast-bus.qnet.yaml', /^mcast 230\.0\.0\.6:1234$/],
      ['07-hub-nat-uplink.qnet.yaml', /^hubport$/],
    ] as const) {
      const t = example(file);
      const labels = [...linkLabels(t, compile(t, DEFAULT_TARGET)).values()];
      expect(labels.length, file).toBeGreaterThan(0);
      expect(labels.some((l) => want.test(l)), `${file}: ${labels.join(', ')}`).toBe(true);
    }
  });
  it('names netdev types', () => {
    expect(describeNetdev('stream,id=n,server=on,addr.type=unix,addr.path=/x')).toBe('stream');
    expect(describeNetdev('socket,id=n,mcast=230.0.0.1:1234')).toBe('mcast 230.0.0.1:1234');
    expect(describeNetdev('tap,id=n,ifname=qn1a03,script=no')).toBe('tap qn1a03');
  });
});
