import { describe, expect, it } from 'vitest';
import { backend } from './backend';
import { compile } from './index';
import { backendPorts, helperBridge, programUses } from './needs';
import { target, topo } from './testkit';

describe('the host ports a guest binds', () => {
  it('finds hostfwd, socket listen, stream servers and dgram, not connectors nor multicast', () => {
    const backends = [
      backend('user', [
        ['hostfwd', 'tcp:127.0.0.1:8080-:80'],
        ['hostfwd', 'udp::5353-:53'],
      ]),
      backend('socket', [['listen', '127.0.0.1:40500']]),
      backend('socket', [['connect', '127.0.0.1:40501']]),
      backend('stream', [
        ['server', 'on'],
        ['addr.type', 'inet'],
        ['addr.host', '127.0.0.1'],
        ['addr.port', 40600],
      ]),
      backend('dgram', [
        ['local.type', 'inet'],
        ['local.host', '127.0.0.1'],
        ['local.port', 40700],
        ['remote.type', 'inet'],
        ['remote.host', '127.0.0.1'],
        ['remote.port', 40701],
      ]),
      backend('dgram', [
        ['remote.type', 'inet'],
        ['remote.host', '230.0.0.1'],
        ['remote.port', 1234],
        ['local.type', 'inet'],
        ['local.host', '0.0.0.0'],
        ['local.port', 1234],
      ]),
    ];
    expect(
      backends.flatMap((b) => backendPorts(b, 'vm')).map((p) => `${p.proto}:${p.host}:${p.port}:${p.what}`),
    ).toEqual([
      'tcp:127.0.0.1:8080:hostfwd',
      'udp:0.0.0.0:5353:hostfwd',
      'tcp:127.0.0.1:40500:socket listen',
      'tcp:127.0.0.1:40600:stream server',
      'udp:127.0.0.1:40700:dgram',
    ]);
  });
  it('names a hostfwd after its nat node, and a socket UDP pair after the guest', () => {
    const plan = compile(
      topo({
        nodes: [
          { kind: 'vm', id: 'a', nics: [{ id: 'e0' }, { id: 'e1' }] },
          { kind: 'vm', id: 'b', nics: [{ id: 'e0' }] },
          { kind: 'nat', id: 'wan', hostfwd: [{ hostPort: 8022, guestPort: 22 }] },
        ],
        links: [
          { a: 'a:e0', b: 'wan' },
          { a: 'a:e1', b: 'b:e0', transport: 'socket-udp', port: 41000 },
        ],
      }),
      target(),
    );
    const a = plan.vms.find((v) => v.node === 'a')!;
    expect(a.ports.map((p) => `${p.proto}:${p.port}:${p.what}:${p.node}`)).toEqual([
      'tcp:8022:hostfwd:wan',
      'udp:41000:socket udp:a',
    ]);
  });
});

describe('helper bridges and programs', () => {
  it('a -netdev bridge names its bridge and helper, QEMU defaults when unset', () => {
    expect(
      helperBridge(
        backend('bridge', [
          ['br', 'qnbr3'],
          ['helper', '/h'],
        ]),
        '/d',
      ),
    ).toEqual({ bridge: 'qnbr3', helper: '/h' });
    expect(helperBridge(backend('bridge', []), '/d')).toEqual({ bridge: 'br0', helper: '/d' });
    expect(helperBridge(backend('tap', []), '/d')).toBeNull();
  });
  it('lists each program once, first use first, with the nodes whose processes run it', () => {
    const step = {
      id: 's',
      argv: ['ip', 'link', 'add', 'x'],
      undo: ['ip', 'link', 'del', 'x'],
      needsRoot: true,
      description: '',
      inNetns: false,
    };
    const proc = (node: string, argv: string[]) => ({
      id: node,
      kind: 'vm' as const,
      node,
      argv,
      dependsOn: [],
      ready: { type: 'none' as const },
      holdStdin: false,
      stderrLog: '',
    });
    expect(
      programUses('netns', [step], [proc('a', ['qemu-system-x86_64']), proc('b', ['qemu-system-x86_64'])]),
    ).toEqual([
      { program: 'ip', nodes: [] },
      { program: 'qemu-system-x86_64', nodes: ['a', 'b'] },
    ]);
  });
});
