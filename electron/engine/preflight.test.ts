import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../shared/compiler/index';
import { DEFAULT_TARGET } from '../../shared/compiler/target';
import { aclAllows, readBridgeAcl } from './bridge-acl';
import { topologyOf } from '../testkit/lab';
import { preflight } from './preflight';
import { checkHostInterfaces } from './preflight-host';
import { doneIndices, rootScript } from './privilege';
import { isOurProcess } from './proc';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-pre-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NO_KVM = { usable: false, reason: 'test' };

describe('bridge ACL', () => {
  it('default deny, allow lines, deny wins, includes, missing file', () => {
    const inc = join(dir, 'inc.conf');
    writeFileSync(inc, 'allow br2\n');
    const conf = join(dir, 'bridge.conf');
    writeFileSync(conf, `# c\nallow br0\nallow br1\ndeny br1\ninclude ${inc}\n`);
    const acl = readBridgeAcl(conf);
    expect(['br0', 'br1', 'br2', 'br3'].map((b) => aclAllows(acl, b))).toEqual([true, false, true, false]);
    expect(aclAllows(readBridgeAcl(join(dir, 'none.conf')), 'br0')).toBe(false);
  });
});

describe('privilege script', () => {
  it('quotes every word and marks each done command', () => {
    const s = rootScript([{ index: 0, argv: ['ip', 'link', 'add', "it's", 'type', 'bridge'] }], false);
    expect(s).toContain(`if ip link add 'it'\\''s' type bridge; then echo 'qnet-step-done 0'; else exit 1; fi`);
    expect([...doneIndices('qnet-step-done 0\nnoise\nqnet-step-done 2\n')]).toEqual([0, 2]);
  });
});

describe('isOurProcess', () => {
  it('matches this process by its argv, tolerates argv tokenized in place, refuses other argv', () => {
    expect(isOurProcess(process.pid, readArgv())).toBe(true);
    expect(isOurProcess(process.pid, ['ip', 'netns', 'exec', 'x', ...readArgv()])).toBe(true);
    expect(isOurProcess(process.pid, [...readArgv(), 'extra'])).toBe(false);
    expect(isOurProcess(2 ** 22 + 1, ['x'])).toBe(false);
  });
});

function readArgv(): string[] {
  return readFileSync('/proc/self/cmdline', 'utf8').split('\0').slice(0, -1);
}

describe('preflight', () => {
  const nat = `version: 1
name: pf
nodes:
  - { id: web, kind: vm, boot: { type: kernel, kernel: /nonexistent/vmlinuz }, nics: [{ id: eth0 }] }
  - { id: wan, kind: nat, hostfwd: [{ hostPort: PORT, guestPort: 80 }] }
  - { id: arm, kind: vm, arch: aarch64, nics: [] }
links:
  - { a: 'web:eth0', b: wan }
`;
  it('names a port in use with its nat node, a missing kernel, a missing tiny guest, missing programs with packages', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1' }, r));
    const port = (server.address() as { port: number }).port;
    try {
      const topology = topologyOf(nat.replace('PORT', String(port)));
      const plan = compile(topology, { ...DEFAULT_TARGET, stateDir: dir, tinyGuest: {} });
      const problems = await preflight(plan, {
        uid: 0,
        kvm: NO_KVM,
        env: { PATH: '/nonexistent' },
        qemuVersionOf: () => null,
      });
      const messages = problems.map((p) => `${p.code}: ${p.message}`);
      expect(messages).toContain(
        `PREFLIGHT_PORT_IN_USE: port ${port} (hostfwd of nat node wan) is already in use: stop what listens there (sudo ss -lpn '( sport = :${port} )' shows it) or choose another port`,
      );
      expect(messages).toContain(
        'PREFLIGHT_PROGRAM_MISSING: qemu-system-aarch64 is not installed (needed by arm): sudo apt-get install qemu-system-arm',
      );
      expect(messages).toContain(
        'PREFLIGHT_BOOT_FILE_MISSING: web: the kernel /nonexistent/vmlinuz does not exist: fix the path in its boot settings',
      );
      expect(messages.find((m) => m.startsWith('PREFLIGHT_TINY_GUEST_MISSING'))).toMatch(
        /arm boots the tiny guest, which is not built for aarch64 .*: run qnet guest build --arch aarch64$/,
      );
    } finally {
      server.close();
    }
  });

  it("a console's TCP port in use, a VM's or a UML instance's, is named in every isolation: the engine binds it on the host", async () => {
    const listen = async (): Promise<[ReturnType<typeof createServer>, number]> => {
      const server = createServer();
      await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1' }, r));
      return [server, (server.address() as { port: number }).port];
    };
    const [vmServer, port] = await listen();
    const [umlServer, umlPort] = await listen();
    try {
      const topology = topologyOf(`version: 2
name: cport
nodes:
  - { id: web, kind: vm, console: { tcpPort: ${port} }, nics: [] }
  - { id: u1, kind: uml, console: { tcpPort: ${umlPort} } }
`);
      for (const isolation of ['netns', 'userns', 'host'] as const) {
        const plan = compile(topology, { ...DEFAULT_TARGET, isolation, stateDir: dir, tinyGuest: {} });
        const problems = await preflight(plan, { uid: 0, kvm: NO_KVM, env: {}, qemuVersionOf: () => null });
        expect(problems.filter((p) => p.code === 'PREFLIGHT_PORT_IN_USE').map((p) => [p.message, p.nodes])).toEqual([
          [
            `port ${port} (the console of vm web) is already in use: stop what listens there (sudo ss -lpn '( sport = :${port} )' shows it) or choose another port`,
            ['web'],
          ],
          [
            `port ${umlPort} (the console of uml u1) is already in use: stop what listens there (sudo ss -lpn '( sport = :${umlPort} )' shows it) or choose another port`,
            ['u1'],
          ],
        ]);
      }
    } finally {
      vmServer.close();
      umlServer.close();
    }
  });

  it('a UML instance: its missing tiny guest says how to build it, its own missing initrd names the path; linux.uml with its package', async () => {
    const topology = topologyOf(`version: 2
name: um
nodes:
  - { id: bus, kind: mcast }
  - { id: u1, kind: uml }
  - { id: u2, kind: uml, initrd: /nonexistent/initrd.img }
links:
  - { a: 'u1:eth0', b: bus }
  - { a: 'u2:eth0', b: bus }
`);
    const plan = compile(topology, { ...DEFAULT_TARGET, stateDir: dir, tinyGuest: {} });
    const problems = await preflight(plan, {
      uid: 0,
      kvm: NO_KVM,
      env: { PATH: '/nonexistent' },
      qemuVersionOf: () => null,
    });
    const messages = problems.map((p) => `${p.code}: ${p.message}`);
    expect(messages.find((m) => m.startsWith('PREFLIGHT_TINY_GUEST_MISSING'))).toMatch(
      /^PREFLIGHT_TINY_GUEST_MISSING: u1 boots the tiny guest, which is not built for x86_64 .*: run qnet guest build$/,
    );
    expect(messages).toContain(
      'PREFLIGHT_BOOT_FILE_MISSING: u2: the initrd /nonexistent/initrd.img does not exist: fix the path in its boot settings',
    );
    expect(messages).toContain(
      'PREFLIGHT_PROGRAM_MISSING: linux.uml is not installed (needed by u1, u2): sudo apt-get install user-mode-linux',
    );
  });

  it('helper mode: a missing ACL line is named with the exact line to add; KVM asked for but unusable', async () => {
    const conf = join(dir, 'empty-bridge.conf');
    writeFileSync(conf, '# nothing allowed\n');
    const topology = topologyOf(`version: 1
name: hb
nodes:
  - { id: a, kind: vm, accel: kvm, nics: [{ id: eth0 }] }
  - { id: lan, kind: bridge, ifname: qnbr9, external: true }
links:
  - { a: 'a:eth0', b: lan }
`);
    const plan = compile(topology, { ...DEFAULT_TARGET, privilege: 'helper', stateDir: dir, tinyGuest: {} });
    const problems = await preflight(plan, { uid: 1000, passwordlessSudo: false, kvm: NO_KVM, bridgeConf: conf });
    const acl = problems.find((p) => p.code === 'PREFLIGHT_BRIDGE_ACL')!;
    expect(acl.message).toBe(
      `qemu-bridge-helper will refuse bridge qnbr9 (${conf} has no "allow qnbr9" line): add the line "allow qnbr9" to ${conf}, e.g. echo 'allow qnbr9' | sudo tee -a ${conf}`,
    );
    expect(problems.find((p) => p.code === 'PREFLIGHT_KVM_UNUSABLE')!.message).toMatch(
      /^a asks for KVM, which does not work here \(test\): set accel to auto or tcg$/,
    );
  });

  it('helper mode as a user: a tun device the user cannot open is named with the fix', async () => {
    const topology = topologyOf(`version: 1
name: hbt
nodes:
  - { id: a, kind: vm, nics: [{ id: eth0 }] }
  - { id: lan, kind: bridge, ifname: qnbr8, external: true }
links:
  - { a: 'a:eth0', b: lan }
`);
    const plan = compile(topology, { ...DEFAULT_TARGET, privilege: 'helper', stateDir: dir, tinyGuest: {} });
    const penv = { uid: 1000, passwordlessSudo: false, kvm: NO_KVM, bridgeConf: join(dir, 'none.conf') };
    const missing = join(dir, 'no-tun');
    const problems = await preflight(plan, { ...penv, tunDevice: missing });
    const tun = problems.find((p) => p.code === 'PREFLIGHT_TUN_ACCESS')!;
    expect(tun.message).toBe(
      `you cannot open ${missing}, which qemu-bridge-helper needs to create taps as you: sudo chmod 0666 ${missing}`,
    );
    expect(tun.nodes).toEqual(['a']);
    const openable = join(dir, 'tun-ok');
    writeFileSync(openable, '');
    const fine = await preflight(plan, { ...penv, tunDevice: openable });
    expect(fine.map((p) => p.code)).not.toContain('PREFLIGHT_TUN_ACCESS');
  });
});

describe('host interfaces a host-network lab uses', () => {
  it('names a missing external bridge, one that is not a bridge, and a missing uplink, each with the fix', () => {
    const links = [
      { name: 'brok', kind: 'bridge', master: null },
      { name: 'eth9', kind: null, master: null },
      { name: 'plain0', kind: null, master: null },
    ];
    const topology = topologyOf(`version: 1
name: hi
nodes:
  - { id: a, kind: vm, nics: [{ id: eth0 }, { id: eth1 }, { id: eth2 }] }
  - { id: gone, kind: bridge, ifname: qnbrgone, external: true }
  - { id: notbr, kind: bridge, ifname: plain0, external: true }
  - { id: ok, kind: bridge, ifname: brok, external: true }
  - { id: lan, kind: bridge }
  - { id: h, kind: host, interfaces: [{ name: eth9 }, { name: nosuch0 }] }
links:
  - { a: 'a:eth0', b: gone }
  - { a: 'a:eth1', b: notbr }
  - { a: 'a:eth2', b: ok }
  - { a: 'h:nosuch0', b: lan }
`);
    const plan = compile(topology, { ...DEFAULT_TARGET, isolation: 'host', stateDir: dir, tinyGuest: {} });
    const ctx = { plan, topology, env: {}, uid: 0, passwordlessSudo: false, bridgeConf: '/none', links, routes: null };
    const uplink = plan.hostSteps.find((s) => s.enslaves === 'nosuch0')!;
    expect(checkHostInterfaces(ctx).map((p) => `${p.code}: ${p.message}`)).toEqual([
      'PREFLIGHT_BRIDGE_MISSING: gone uses the host bridge qnbrgone, which does not exist: create it with sudo ip link add qnbrgone type bridge && sudo ip link set qnbrgone up, or untick "external" so the lab creates it',
      'PREFLIGHT_BRIDGE_MISSING: notbr uses the host bridge plain0, but plain0 is not a bridge: name a bridge (ip -br link show type bridge lists them)',
      `PREFLIGHT_UPLINK_MISSING: the uplink nosuch0 (${uplink.description}) is not an interface of this host: fix its name in the host node (ip -br link lists this host's interfaces)`,
    ]);
    expect(
      checkHostInterfaces({
        ...ctx,
        plan: compile(topology, { ...DEFAULT_TARGET, isolation: 'netns', stateDir: dir, tinyGuest: {} }),
      }),
    ).toEqual([]);
    // An uplink already in a bridge would be taken from it, and the undo would leave it in none.
    const taken = checkHostInterfaces({ ...ctx, links: [...links, { name: 'nosuch0', kind: null, master: 'br-lan' }] });
    expect(taken.map((p) => `${p.code}: ${p.message}`)).toContain(
      `PREFLIGHT_UPLINK_TAKEN: the uplink nosuch0 is already in bridge br-lan (${uplink.description}): use another interface, or take nosuch0 out of br-lan first (sudo ip link set nosuch0 nomaster)`,
    );
  });
});
