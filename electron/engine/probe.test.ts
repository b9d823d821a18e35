import { describe, expect, it } from 'vitest';
import { parseNetdevHelp, parseQemuVersion } from './probe-qemu';
import { parseNicModelHelp } from './probe-nic-models';
import { probeHost } from './host-probe';

describe('QEMU probes', () => {
  it('reads the version banner', () => {
    expect(parseQemuVersion('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n')).toEqual({
      major: 7,
      minor: 2,
      micro: 22,
    });
    expect(parseQemuVersion('QEMU emulator version 10.1\n')).toEqual({ major: 10, minor: 1, micro: 0 });
    expect(parseQemuVersion('bash: qemu: not found')).toBeNull();
  });
  it('reads -netdev help', () => {
    expect(parseNetdevHelp('Available netdev backend types:\nsocket\nstream\nvhost-vdpa\n')).toEqual([
      'socket',
      'stream',
      'vhost-vdpa',
    ]);
    expect(parseNetdevHelp('garbage')).toEqual([]);
  });
  it('reads -nic model=help, skipping module noise', () => {
    const text =
      'qemu: module ui-ui-gtk not found, do you want to install qemu-system-gui package?\nSupported NIC models:\ne1000\nvirtio-net-pci\n';
    expect(parseNicModelHelp(text)).toEqual(['e1000', 'virtio-net-pci']);
    expect(parseNicModelHelp('Available NIC models for this configuration:\nrtl8139\n')).toEqual(['rtl8139']);
  });
  it("reads QEMU 10.0's -nic model=help, where the default model carries its alias", () => {
    const text =
      'Available NIC models for this configuration:\ne1000\nvirtio-net-pci (aka virtio)\nvirtio-net-pci-transitional\n';
    expect(parseNicModelHelp(text)).toEqual(['e1000', 'virtio-net-pci', 'virtio', 'virtio-net-pci-transitional']);
  });
});

describe('probeHost', () => {
  const kvm = { usable: false, reason: 'test' };
  it("asks no QEMU when told not to (a chosen version), and takes KVM's answer when given one", async () => {
    const p = await probeHost({ pairs: ['x86_64/q35'], qemu: false, kvm, tinyGuest: {} });
    expect(p.qemu).toEqual({});
    expect(p.nicModels).toEqual({});
    expect(p.kvm).toBe(kvm);
  });
  it("asks x86_64's QEMU and each architecture its pairs name, each pair of its own binary; junk pairs are dropped", async () => {
    const p = await probeHost({
      pairs: ['aarch64/virt', 'mips/malta', 'x86_64/-M', 'x86_64/microvm'],
      kvm,
      tinyGuest: {},
    });
    expect(Object.keys(p.qemu).sort()).toEqual(['aarch64', 'x86_64']);
    expect(p.qemu.aarch64?.binary).toBe('qemu-system-aarch64');
    expect(Object.keys(p.nicModels).every((pair) => pair === 'aarch64/virt')).toBe(true);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});
