import { describe, expect, it } from 'vitest';
import { compile } from './index';
import { defaultIsolation, hostNetworkUses } from './isolation';
import { target, topo } from './testkit';

const vm = (id: string) => ({
  id,
  kind: 'vm' as const,
  name: id,
  boot: { type: 'tiny' as const },
  nics: [{ id: 'eth0' }],
});
const tapBridge = topo({
  nodes: [
    vm('a'),
    vm('b'),
    { id: 'br', kind: 'bridge', address: '10.0.0.254/24' },
    { id: 't', kind: 'tap', owner: 'alice' },
  ],
  links: [
    { a: 'a:eth0', b: 'br' },
    { a: 'b:eth0', b: 'br' },
  ],
});

describe('isolation userns', () => {
  it('is the default unless the lab reaches the host network or asks for the helper', () => {
    expect(defaultIsolation(tapBridge)).toBe('userns');
    expect(defaultIsolation(tapBridge, 'root')).toBe('userns');
    expect(defaultIsolation(tapBridge, 'helper')).toBe('host');
    const uplinked = topo({
      nodes: [vm('a'), { id: 'br', kind: 'bridge' }, { id: 'h', kind: 'host', interfaces: [{ name: 'eth0' }] }],
      links: [
        { a: 'a:eth0', b: 'br' },
        { a: 'br', b: 'h:eth0' },
      ],
    });
    expect(hostNetworkUses(uplinked)).toEqual(["host node h's interfaces"]);
    expect(defaultIsolation(uplinked)).toBe('host');
    const external = topo({
      nodes: [vm('a'), { id: 'br', kind: 'bridge', external: true }],
      links: [{ a: 'a:eth0', b: 'br' }],
    });
    expect(defaultIsolation(external)).toBe('host');
    // An unlinked external bridge is not reached.
    expect(defaultIsolation(topo({ nodes: [vm('a'), { id: 'br', kind: 'bridge', external: true }], links: [] }))).toBe(
      'userns',
    );
  });

  it('compiles every step into the lab namespace, as the user, with nothing to undo', () => {
    const plan = compile(tapBridge, target({ isolation: 'userns', privilege: 'user', runAs: 'bob' }));
    expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(plan.privilege).toBe('user');
    expect(plan.netns).toBeNull();
    expect(plan.hostSteps[0]).toMatchObject({
      id: 'netns-lo',
      argv: ['ip', 'link', 'set', 'lo', 'up'],
      inNetns: true,
      needsRoot: false,
    });
    for (const s of plan.hostSteps) expect(s).toMatchObject({ inNetns: true, needsRoot: false, undo: null });
    // Only the namespace's own user exists there: taps get no owner.
    for (const s of plan.hostSteps.filter((x) => x.argv[1] === 'tuntap')) expect(s.argv).not.toContain('user');
    expect(plan.needs.programs.map((p) => p.program).slice(0, 3)).toEqual(['unshare', 'nsenter', 'ip']);
  });

  it('in the lab namespace a bridge never goes through the helper, and a host uplink is said to stay outside', () => {
    const plan = compile(tapBridge, target({ isolation: 'userns', privilege: 'helper' }));
    expect(plan.vms.flatMap((v) => v.helperBridges)).toEqual([]);
    expect(plan.privilege).toBe('user');
    const external = topo({
      nodes: [vm('a'), { id: 'br', kind: 'bridge', external: true }],
      links: [{ a: 'a:eth0', b: 'br' }],
    });
    expect(compile(external, target({ isolation: 'userns' })).diagnostics.map((d) => d.code)).toContain(
      'EXTERNAL_BRIDGE_IN_NETNS',
    );
  });

  it("forwards a NAT node's hostfwd ports from the host through one pasta joined to the holder, and gives an open NAT a way out", () => {
    const nat = (restrict: boolean) =>
      topo({
        nodes: [
          vm('a'),
          {
            id: 'wan',
            kind: 'nat',
            restrict,
            hostfwd: [
              { proto: 'tcp', hostAddr: '127.0.0.1', hostPort: 8080, guestPort: 80 },
              { proto: 'udp', hostAddr: '0.0.0.0', hostPort: 5353, guestPort: 53 },
            ],
          },
        ],
        links: [{ a: 'a:eth0', b: 'wan' }],
      });
    const [pasta] = compile(nat(false), target({ isolation: 'userns' })).processes.filter((p) => p.kind === 'pasta');
    expect(pasta).toMatchObject({
      node: 'wan',
      dependsOn: ['vm-a'],
      joinsLab: true,
      ready: { type: 'path', path: '/run/qnet/lab/pasta.pid' },
    });
    expect(pasta?.argv).toEqual([
      'pasta',
      '--foreground',
      '--quiet',
      '--pid',
      '/run/qnet/lab/pasta.pid',
      // The lab side given explicitly, so pasta starts where the host has no interface to copy (offline).
      '-i',
      'lo',
      '-a',
      '100.64.0.2',
      '-n',
      '30',
      '-g',
      '100.64.0.1',
      '-M',
      '02:71:6e:00:00:01',
      '-I',
      'qnet-pasta',
      '--no-map-gw',
      '--config-net',
      '-t',
      '127.0.0.1/8080',
      '-u',
      '5353',
      '-T',
      'none',
      '-U',
      'none',
    ]);
    // Restricted: the forwards, no way out.
    expect(
      compile(nat(true), target({ isolation: 'userns' })).processes.find((p) => p.kind === 'pasta')?.argv,
    ).not.toContain('--config-net');
    // On the host or in a root-made namespace QEMU binds the ports itself.
    expect(compile(nat(false), target({ isolation: 'netns' })).processes.some((p) => p.kind === 'pasta')).toBe(false);
    expect(compile(tapBridge, target({ isolation: 'userns' })).processes.some((p) => p.kind === 'pasta')).toBe(false);
  });
});
