import { describe, expect, test } from 'vitest';
import { compile } from './index';
import { target, topo } from './testkit';

/*
 * A VM's console on a loopback TCP port: the compiler states it as one of the guest's bound ports (what the engine
 * binds and preflight tests), and a second claim of the port is PORT_CLASH at the field.
 */
const lab = (tcpPort: number, hostPort: number, isolation: 'userns' | 'netns' = 'userns') =>
  compile(
    topo({
      nodes: [
        { kind: 'vm', id: 'a', console: { tcpPort }, nics: [{ id: 'eth0' }] },
        { kind: 'vm', id: 'b', nics: [] },
        { kind: 'nat', id: 'wan', hostfwd: [{ hostPort, guestPort: 22 }] },
      ],
      links: [{ a: 'a:eth0', b: 'wan' }],
    }),
    target({ isolation, privilege: isolation === 'userns' ? 'user' : 'root' }),
  );

describe('console.tcpPort', () => {
  test('is a bound port of its guest on 127.0.0.1 in every isolation; none for a VM without it', () => {
    for (const isolation of ['userns', 'netns'] as const) {
      const plan = lab(15001, 15002, isolation);
      expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const a = plan.vms.find((v) => v.node === 'a');
      expect(a?.ports.filter((p) => p.what === 'console')).toEqual([
        { proto: 'tcp', host: '127.0.0.1', port: 15001, what: 'console', node: 'a' },
      ]);
      expect(plan.vms.find((v) => v.node === 'b')?.ports).toEqual([]);
      // The engine serves it: no QEMU argument and no pasta forward carries the port.
      expect(plan.processes.some((p) => p.argv.some((w) => w.includes('15001')))).toBe(false);
    }
  });

  test('a port bound twice is PORT_CLASH at the console field', () => {
    const plan = lab(15003, 15003);
    const clash = plan.diagnostics.find((d) => d.code === 'PORT_CLASH');
    expect(clash?.message).toMatch(
      /^tcp port 15003 is bound twice: by hostfwd tcp:127\.0\.0\.1:15003-:22 of wan \(link [^)]+\) and by the console of a$/,
    );
    expect(clash?.path).toEqual(['nodes', 0, 'console', 'tcpPort']);
    expect(clash?.nodes).toEqual(['wan', 'a']);
  });
});
