import { describe, expect, it } from 'vitest';
import { assembleTarget, targetNotes } from './target';
import { hostProbe } from './testkit';

describe('assembleTarget', () => {
  const arm = {
    binary: 'qemu-system-aarch64',
    version: { major: 10, minor: 0, micro: 2 },
    netdevBackends: ['user', 'stream'],
  };
  it("carries the probe: x86_64's QEMU, its backends, the NIC models found, KVM, the tiny guest, the interfaces", () => {
    const probe = hostProbe({
      qemu: {
        aarch64: arm,
        x86_64: {
          binary: 'qemu-system-x86_64',
          version: { major: 7, minor: 2, micro: 9 },
          netdevBackends: ['user', 'tap'],
        },
      },
      nicModels: { 'x86_64/q35': ['e1000'], 'x86_64/pc': [] },
      kvm: { usable: true, reason: 'booted' },
      tinyGuest: { x86_64: { kernel: '/k', initrd: '/i' } },
    });
    const t = assembleTarget(probe, { privilege: 'user', stateDir: '/s' });
    expect(t).toMatchObject({
      qemuVersion: { major: 7, minor: 2 },
      netdevBackends: ['user', 'tap'],
      kvm: true,
      privilege: 'user',
      isolation: 'host',
      stateDir: '/s',
    });
    expect(t.nicModels).toEqual({ 'x86_64/q35': ['e1000'] });
    expect(t.tinyGuest).toBe(probe.tinyGuest);
    expect(t.hostInterfaces).toBe(probe.hostInterfaces);
    expect(assembleTarget(probe).stateDir).toBe(probe.stateDir);
  });
  it('decides the isolation nobody chose from the lab: its own user namespace, unless it reaches the host network', () => {
    const vm = { id: 'a', kind: 'vm', name: 'a', nics: [{ id: 'eth0' }] };
    const lab = (bridge: Record<string, unknown>) =>
      ({
        version: 2,
        name: 'l',
        nodes: [vm, { id: 'br', kind: 'bridge', ...bridge }],
        links: [{ a: 'a:eth0', b: 'br' }],
      }) as never;
    const probe = hostProbe();
    expect(assembleTarget(probe, {}, lab({})).isolation).toBe('userns');
    expect(assembleTarget(probe, {}, lab({ external: true })).isolation).toBe('host');
    // qemu-bridge-helper is a host tool: a lab that asks for it stays on the host.
    expect(assembleTarget(probe, { privilege: 'helper' }, lab({})).isolation).toBe('host');
    // A choice wins; without a lab to judge, the compiler's default.
    expect(assembleTarget(probe, { isolation: 'netns' }, lab({})).isolation).toBe('netns');
    expect(assembleTarget(probe).isolation).toBe('host');
  });
  it("without x86_64's QEMU, the first architecture found; without any, the defaults and no NIC models", () => {
    expect(assembleTarget(hostProbe({ qemu: { aarch64: arm } })).qemuVersion).toEqual({ major: 10, minor: 0 });
    const none = assembleTarget(
      hostProbe({
        qemu: { x86_64: { binary: 'qemu-system-x86_64', version: null, netdevBackends: null } },
        nicModels: { 'x86_64/q35': ['e1000'] },
      }),
    );
    expect(none.qemuVersion).toEqual({ major: 7, minor: 2 });
    expect(none.netdevBackends).toBeNull();
    expect('nicModels' in none).toBe(false);
  });
  it('a probe of the QEMU the user chose (--qemu): the target runs it, with its version; --qemu-version drops it', () => {
    const chosenQemu = {
      binaries: { x86_64: '/q/usr/bin/qemu-system-x86_64' },
      dataDirs: ['/q/usr/share/qemu'],
      env: { QEMU_MODULE_DIR: '/q/m' },
    };
    const ten = {
      binary: '/q/usr/bin/qemu-system-x86_64',
      version: { major: 10, minor: 0, micro: 2 },
      netdevBackends: ['user', 'stream'],
    };
    const probe = hostProbe({ qemu: { x86_64: ten }, chosenQemu });
    const t = assembleTarget(probe);
    expect(t.qemu).toEqual(chosenQemu);
    expect(t.qemuVersion).toEqual({ major: 10, minor: 0 });
    expect('qemu' in assembleTarget(probe, { qemuVersion: { major: 7, minor: 2 } })).toBe(false);
    expect('qemu' in assembleTarget(hostProbe({ qemu: { x86_64: ten } }))).toBe(false);
  });
  it('a chosen QEMU version uses nothing the probe says about QEMU', () => {
    const t = assembleTarget(hostProbe({ nicModels: { 'x86_64/q35': ['e1000'] } }), {
      qemuVersion: { major: 6, minor: 2 },
    });
    expect(t.qemuVersion).toEqual({ major: 6, minor: 2 });
    expect(t.netdevBackends).toBeNull();
    expect('nicModels' in t).toBe(false);
  });
  it('notes what it assumes: no QEMU found, KVM not usable', () => {
    expect(targetNotes(hostProbe({ qemu: {} }))).toEqual({
      qemu: 'qemu-system-x86_64 not found: compiling for QEMU 7.2',
      kvm: 'KVM not usable (test): guests with accel auto use TCG',
    });
    expect(
      targetNotes(hostProbe({ qemu: {}, kvm: { usable: true, reason: 'booted' } }), {
        qemuVersion: { major: 7, minor: 2 },
      }),
    ).toEqual({});
  });
});
