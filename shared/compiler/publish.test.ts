import { describe, expect, test } from 'vitest';
import { compile } from './index';
import { target, topo } from './testkit';
import type { BridgeFwd } from '../model/schema';

type Forward = Omit<BridgeFwd, 'proto' | 'hostAddr'> & Partial<Pick<BridgeFwd, 'proto' | 'hostAddr'>>;

/*
 * A guest on a bridge publishing a port in a rootless lab: the compiler states the namespace steps (DNAT from the
 * namespace's loopback to the guest, masquerade from the bridge, route_localnet on it) and the port the guest binds
 * through pasta, which waits for that guest. electron/cli/rootless.qemu.test.ts fetches the page through it.
 */

const userns = target({ isolation: 'userns', privilege: 'user' });
const lab = (hostfwd: Forward[], over = userns, nat = false) =>
  compile(
    topo({
      nodes: [
        { kind: 'vm', id: 'web', nics: [{ id: 'eth0', ip: '10.0.9.2/24' }] },
        { kind: 'vm', id: 'other', nics: [{ id: 'eth0', ip: '10.0.9.3/24' }, ...(nat ? [{ id: 'eth1' }] : [])] },
        { kind: 'bridge', id: 'br', ifname: 'br.pub', address: '10.0.9.254/24', hostfwd },
        ...(nat ? [{ kind: 'nat' as const, id: 'n', hostfwd: [{ hostPort: 2222, guestPort: 22 }] }] : []),
      ],
      links: [{ a: 'web:eth0', b: 'br' }, { a: 'other:eth0', b: 'br' }, ...(nat ? [{ a: 'other:eth1', b: 'n' }] : [])],
    }),
    over,
  );

describe('a port published from a guest on a bridge (rootless)', () => {
  test('namespace steps after the bridge, a pasta bound on 127.0.0.1 that waits for the guest', () => {
    const plan = lab([{ hostPort: 18080, guestAddr: '10.0.9.2', guestPort: 80 }]);
    expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const ids = plan.hostSteps.map((s) => s.id);
    const publish = plan.hostSteps.filter((s) => s.id.startsWith('publish-'));
    expect(ids.indexOf('publish-table')).toBeGreaterThan(ids.indexOf('bridge-br-up'));
    for (const s of publish) expect(s).toMatchObject({ inNetns: true, needsRoot: false, undo: null });
    expect(publish.map((s) => s.argv)).toEqual([
      ['nft', 'create', 'table', 'ip', 'qnet-publish'],
      [
        'nft',
        'add',
        'chain',
        'ip',
        'qnet-publish',
        'output',
        '{',
        'type',
        'nat',
        'hook',
        'output',
        'priority',
        '-100',
        ';',
        '}',
      ],
      [
        'nft',
        'add',
        'chain',
        'ip',
        'qnet-publish',
        'postrouting',
        '{',
        'type',
        'nat',
        'hook',
        'postrouting',
        'priority',
        '100',
        ';',
        '}',
      ],
      ['sysctl', '-w', 'net/ipv4/conf/br.pub/route_localnet=1'],
      [
        'nft',
        'add',
        'rule',
        'ip',
        'qnet-publish',
        'output',
        'ip',
        'daddr',
        '127.0.0.1',
        'tcp',
        'dport',
        '18080',
        'dnat',
        'to',
        '10.0.9.2:80',
      ],
      [
        'nft',
        'add',
        'rule',
        'ip',
        'qnet-publish',
        'postrouting',
        'oifname',
        'br.pub',
        'ip',
        'daddr',
        '10.0.9.2',
        'tcp',
        'dport',
        '80',
        'masquerade',
      ],
    ]);
    const web = plan.vms.find((v) => v.node === 'web')!;
    expect(web.ports).toContainEqual({
      proto: 'tcp',
      host: '127.0.0.1',
      port: 18080,
      what: 'hostfwd',
      node: 'br',
      bridge: true,
    });
    expect(plan.vms.find((v) => v.node === 'other')!.ports).toEqual([]);
    const pasta = plan.processes.find((p) => p.kind === 'pasta')!;
    expect(pasta.argv).toEqual(expect.arrayContaining(['-t', '127.0.0.1/18080', '-u', 'none']));
    expect(pasta.argv).not.toContain('--config-net');
    expect(pasta.dependsOn).toEqual(['vm-web']);
    expect(plan.needs.programs.map((p) => p.program)).toEqual(expect.arrayContaining(['nft', 'sysctl', 'pasta']));
    expect(plan.privilege).toBe('user');
  });

  test('a netns lab publishes the same way: root steps in its namespace, a pasta that joins it by name', () => {
    const fwd = [{ hostPort: 18080, guestAddr: '10.0.9.2', guestPort: 80 }];
    const plan = lab(fwd, target({ isolation: 'netns', privilege: 'root' }), true);
    expect(plan.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const publish = plan.hostSteps.filter((s) => s.id.startsWith('publish-'));
    expect(publish.map((s) => s.argv)).toEqual(
      lab(fwd)
        .hostSteps.filter((s) => s.id.startsWith('publish-'))
        .map((s) => s.argv),
    );
    for (const s of publish) expect(s).toMatchObject({ inNetns: true, needsRoot: true });
    const pasta = plan.processes.filter((p) => p.kind === 'pasta');
    expect(pasta).toHaveLength(1);
    // Only the bridge's port: the NAT node's hostfwd stays in the namespace, and the NAT gets no way out.
    expect(pasta[0]!.argv.slice(-12)).toEqual([
      '-t',
      '127.0.0.1/18080',
      '-u',
      'none',
      '-T',
      'none',
      '-U',
      'none',
      '--runas',
      '0',
      '--netns',
      plan.netns!,
    ]);
    expect(pasta[0]!.argv).not.toContain('--config-net');
    expect(pasta[0]).toMatchObject({ joinsLab: true, dependsOn: ['vm-web'] });
    // On the host's network nothing is published, and BRIDGE_HOSTFWD_ROOTLESS says why.
    const host = lab(fwd, target({ isolation: 'host', privilege: 'root' }));
    expect(host.processes.map((p) => p.kind)).not.toContain('pasta');
    expect(host.hostSteps.map((s) => s.id).filter((id) => id.startsWith('publish-'))).toEqual([]);
  });

  test('a host port taken by two forwards is PORT_CLASH; on every interface it warns as a NAT hostfwd does', () => {
    const clash = lab([
      { hostPort: 18080, guestAddr: '10.0.9.2', guestPort: 80 },
      { hostPort: 18080, guestAddr: '10.0.9.3', guestPort: 80 },
    ]);
    expect(clash.diagnostics.find((d) => d.code === 'PORT_CLASH')?.message).toBe(
      'tcp port 18080 is bound twice: by hostfwd tcp 127.0.0.1:18080 -> 10.0.9.2:80 of br and by hostfwd tcp 127.0.0.1:18080 -> 10.0.9.3:80 of br',
    );
    const wide = lab([{ hostAddr: '0.0.0.0', hostPort: 18080, guestAddr: '10.0.9.2', guestPort: 80 }]);
    expect(wide.diagnostics.find((d) => d.code === 'HOSTFWD_ALL_INTERFACES')?.path).toEqual([
      'nodes',
      2,
      'hostfwd',
      0,
      'hostAddr',
    ]);
    expect(wide.processes.find((p) => p.kind === 'pasta')!.argv).toEqual(expect.arrayContaining(['-t', '18080']));
  });
});
