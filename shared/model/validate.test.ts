import { describe, expect, it } from 'vitest';
import { loadTopology, type LocatedDiagnostic } from './load';
import { linkId, resolveEndpoint } from './validate';

/** Loads a fixture that is schema-valid and returns its structural diagnostics. */
function diagnostics(text: string): LocatedDiagnostic[] {
  const r = loadTopology(text, 'lab.qnet.yaml');
  if (!r.ok) throw new Error(`fixture does not load: ${JSON.stringify(r.errors)}`);
  return r.diagnostics;
}

function only(text: string, code: string): LocatedDiagnostic {
  const found = diagnostics(text).filter((d) => d.code === code);
  expect(found).toHaveLength(1);
  return found[0] as LocatedDiagnostic;
}

const HEAD = 'version: 1\nname: t\n';

describe('checkStructure', () => {
  it('accepts a clean topology', () => {
    expect(
      diagnostics(`${HEAD}nodes:
  - { id: a, kind: vm, nics: [{ id: eth0 }] }
  - { id: br, kind: bridge }
links:
  - { a: a:eth0, b: br }
`),
    ).toEqual([]);
  });

  it('DUPLICATE_ID: nodes', () => {
    const d = only(
      `${HEAD}nodes:
  - { id: a, kind: hub }
  - { id: a, kind: bridge, name: other }
`,
      'DUPLICATE_ID',
    );
    expect(d).toMatchObject({ severity: 'error', nodes: ['a'], path: ['nodes', 1, 'id'], line: 5 });
  });

  it('DUPLICATE_ID: explicit link ids', () => {
    const d = only(
      `${HEAD}nodes:
  - { id: h, kind: hub }
  - { id: n, kind: nat }
  - { id: m, kind: mcast }
links:
  - { id: w, a: h, b: n }
  - { id: w, a: h, b: m }
`,
      'DUPLICATE_ID',
    );
    expect(d).toMatchObject({ links: ['w'], path: ['links', 1, 'id'], line: 9 });
  });

  it('DUPLICATE_NAME: a name equal to another node id', () => {
    const d = only(
      `${HEAD}nodes:
  - { id: a, kind: hub }
  - id: b
    kind: vm
    name: a
`,
      'DUPLICATE_NAME',
    );
    expect(d).toMatchObject({ nodes: ['b', 'a'], path: ['nodes', 1, 'name'], line: 7 });
    expect(d.message).toContain('"a"');
  });

  it('DUPLICATE_NIC', () => {
    const d = only(
      `${HEAD}nodes:
  - id: a
    kind: vm
    nics:
      - id: eth0
      - id: eth0
`,
      'DUPLICATE_NIC',
    );
    expect(d).toMatchObject({ nodes: ['a'], path: ['nodes', 0, 'nics', 1, 'id'], line: 8 });
  });

  it('LINK_DANGLING: missing node and missing NIC', () => {
    const ds = diagnostics(`${HEAD}nodes:
  - { id: a, kind: vm, nics: [{ id: eth0 }] }
  - { id: br, kind: bridge }
links:
  - { a: a:eth0, b: nowhere }
  - a: a:eth7
    b: br
`).filter((d) => d.code === 'LINK_DANGLING');
    expect(ds.map((d) => [d.path, d.line])).toEqual([
      [['links', 0, 'b'], 7],
      [['links', 1, 'a'], 8],
    ]);
    expect(ds[0]?.message).toContain('"nowhere"');
    expect(ds[1]?.message).toContain('no NIC "eth7"');
    // The node left on the link is named (the canvas marks it); Problems offers to remove the link.
    expect(ds.map((d) => d.nodes)).toEqual([['a'], ['a']]);
    expect(ds.map((d) => d.fix?.action)).toEqual(ds.map((d) => ({ kind: 'remove-link', link: d.links[0] })));
  });

  it('LINK_DANGLING: a host interface that does not exist', () => {
    const d = only(
      `${HEAD}nodes:
  - { id: h, kind: host, interfaces: [{ name: eno1 }] }
  - { id: br, kind: bridge }
links:
  - { a: br, b: h:eth9 }
`,
      'LINK_DANGLING',
    );
    expect(d).toMatchObject({ nodes: ['h'], path: ['links', 0, 'b'], line: 7 });
  });

  it('PORT_LINKED_TWICE: a VM NIC used by two links', () => {
    const d = only(
      `${HEAD}nodes:
  - { id: a, kind: vm, nics: [{ id: eth0 }] }
  - { id: br, kind: bridge }
  - { id: n, kind: nat }
links:
  - { a: a:eth0, b: br }
  - { a: n, b: a:eth0 }
`,
      'PORT_LINKED_TWICE',
    );
    expect(d).toMatchObject({ nodes: ['a'], path: ['links', 1, 'b'], line: 9 });
    expect(d.links).toHaveLength(2);
  });

  it('PORT_LINKED_TWICE: a link that loses one end claims neither, as the compiler drops it whole', () => {
    const ds = diagnostics(`${HEAD}nodes:
  - { id: a, kind: vm, nics: [{ id: e0 }] }
  - { id: c, kind: vm, nics: [{ id: e0 }] }
  - { id: d, kind: vm, nics: [{ id: e0 }] }
  - { id: f, kind: vm, nics: [{ id: e0 }] }
links:
  - { id: ac, a: a:e0, b: c:e0 }
  - { id: dc, a: d:e0, b: c:e0 }
  - { id: df, a: d:e0, b: f:e0 }
`);
    expect(ds.map((d) => [d.code, d.links])).toEqual([['PORT_LINKED_TWICE', ['ac', 'dc']]]);
  });

  it('PORT_LINKED_TWICE: a single-link backend', () => {
    const d = only(
      `${HEAD}nodes:
  - { id: a, kind: vm, nics: [{ id: eth0 }, { id: eth1 }] }
  - { id: vu, kind: vhost-user, socket: /run/vu.sock }
links:
  - { a: a:eth0, b: vu }
  - { a: a:eth1, b: vu }
`,
      'PORT_LINKED_TWICE',
    );
    expect(d).toMatchObject({ nodes: ['vu'], path: ['links', 1, 'b'], line: 8 });
  });

  it('PORT_MISSING: a VM end without a NIC', () => {
    const d = only(
      `${HEAD}nodes:
  - { id: a, kind: vm, nics: [{ id: eth0 }] }
  - { id: br, kind: bridge }
links:
  - { a: a, b: br }
`,
      'PORT_MISSING',
    );
    expect(d).toMatchObject({ nodes: ['a'], path: ['links', 0, 'a'], line: 7 });
    expect(d.message).toContain('"a:eth0"');
  });

  it('PORT_UNEXPECTED: a port on a bridge', () => {
    const d = only(
      `${HEAD}nodes:
  - { id: a, kind: vm, nics: [{ id: eth0 }] }
  - { id: br, kind: bridge }
links:
  - { a: a:eth0, b: br:p1 }
`,
      'PORT_UNEXPECTED',
    );
    expect(d).toMatchObject({ nodes: ['br'], path: ['links', 0, 'b'], line: 7 });
  });

  it('LINK_SELF: two NICs of one VM', () => {
    const d = only(
      `${HEAD}nodes:
  - { id: a, kind: vm, nics: [{ id: eth0 }, { id: eth1 }] }
links:
  - { a: a:eth0, b: a:eth1 }
`,
      'LINK_SELF',
    );
    expect(d).toMatchObject({ nodes: ['a'], path: ['links', 0, 'b'], line: 6 });
    expect(d.message).toContain('hub');
    expect(d.fix?.action).toMatchObject({ kind: 'remove-link' });
  });

  it('LINK_UNSUPPORTED: the reason of linkRule', () => {
    const d = only(
      `${HEAD}nodes:
  - { id: b1, kind: bridge }
  - { id: b2, kind: bridge }
links:
  - { a: b1, b: b2 }
`,
      'LINK_UNSUPPORTED',
    );
    expect(d).toMatchObject({ nodes: ['b1', 'b2'], path: ['links', 0], line: 7 });
    expect(d.message).toContain('two bridges cannot be linked directly: put a VM or tap between them');
  });

  it('DUPLICATE_LINK: the same two ends twice, in either order', () => {
    const d = only(
      `${HEAD}nodes:
  - { id: h, kind: hub }
  - { id: n, kind: nat }
links:
  - { a: h, b: n }
  - { a: n, b: h }
`,
      'DUPLICATE_LINK',
    );
    expect(d).toMatchObject({ path: ['links', 1], line: 8 });
  });

  it('EXTRA_ARGS_NETWORKING', () => {
    for (const args of [
      '[-netdev, "user,id=n0"]',
      '["-nic user"]',
      '[-m, "1G", -device, "virtio-net-pci,netdev=n0"]',
      '[--net, none]',
      // Smuggled forms: QEMU makes a NIC (or a forward, a capture) from each of these (extraArgs.qemu.test.ts).
      '[-device, "id=d0,driver=virtio-net-pci,netdev=n0"]',
      `[-device, '{"driver":"e1000","netdev":"n0"}']`,
      '[-device, "virtio-rng-pci,netdev=n0"]',
      '[-global, "virtio-net-pci.netdev=n0"]',
      '[-global, "driver=e1000,property=netdev,value=n0"]',
      '[-set, "device.d0.netdev=n0"]',
      '[-set, "netdev.n0.hostfwd=tcp::2222-:22"]',
      '[-readconfig, /tmp/x.cfg]',
      '[-usbdevice, "net:user"]',
      '[-object, "filter-dump,id=f0,netdev=n0,file=/tmp/x.pcap"]',
      '[-object, "filter-redirector,id=f0,netdev=n0,queue=tx,outdev=c0"]',
      '[-object, "filter-mirror,id=f0,netdev=n0,outdev=c0"]',
      '[-object, "filter-rewriter,id=f0,netdev=n0"]',
      '[-object, "filter-buffer,id=f0,netdev=n0,interval=1000"]',
      '[-object, "filter-replay,id=f0,netdev=n0"]',
      '[-object, "colo-compare,id=c0,primary_in=a,secondary_in=b,outdev=c,iothread=i"]',
      `[-object, '{"qom-type":"filter-dump","id":"f0","netdev":"n0","file":"/tmp/x"}']`,
    ]) {
      const d = only(
        `${HEAD}nodes:
  - id: a
    kind: vm
    extraArgs: ${args}
`,
        'EXTRA_ARGS_NETWORKING',
      );
      expect(d).toMatchObject({ nodes: ['a'], line: 6 });
      expect(d.path?.slice(0, 3)).toEqual(['nodes', 0, 'extraArgs']);
    }
    expect(
      diagnostics(`${HEAD}nodes:\n  - { id: a, kind: vm, extraArgs: [-device, "virtio-rng-pci", -serial, stdio] }\n`),
    ).toEqual([]);
  });

  it('LAYOUT_UNKNOWN_NODE is a warning', () => {
    const d = only(
      `${HEAD}nodes:
  - { id: h, kind: hub }
layout:
  h: { x: 1, y: 2 }
  gone: { x: 3, y: 4 }
`,
      'LAYOUT_UNKNOWN_NODE',
    );
    expect(d).toMatchObject({ severity: 'warning', path: ['layout', 'nodes', 'gone'], line: 7 });
  });

  it('TAP_LINKS: two VMs on one tap', () => {
    const d = only(
      `${HEAD}nodes:
  - { id: a, kind: vm, nics: [{ id: eth0 }] }
  - { id: b, kind: vm, nics: [{ id: eth0 }] }
  - { id: t, kind: tap }
  - { id: br, kind: bridge }
links:
  - { a: a:eth0, b: t }
  - { a: t, b: br }
  - { a: b:eth0, b: t }
`,
      'TAP_LINKS',
    );
    expect(d).toMatchObject({ nodes: ['t'], path: ['links', 2, 'b'], line: 11 });
    expect(d.links).toHaveLength(2);
  });
});

describe('checkStructure: a third link on a tap', () => {
  it('TAP_LINKS names the first link and each later one', () => {
    const ds = diagnostics(`${HEAD}nodes:
  - { id: a, kind: vm, nics: [{ id: eth0 }] }
  - { id: b, kind: vm, nics: [{ id: eth0 }] }
  - { id: c, kind: vm, nics: [{ id: eth0 }] }
  - { id: t, kind: tap }
links:
  - { id: at, a: a:eth0, b: t }
  - { id: bt, a: b:eth0, b: t }
  - { id: ct, a: c:eth0, b: t }
`);
    expect(ds.map((d) => [d.code, d.links])).toEqual([
      ['TAP_LINKS', ['at', 'bt']],
      ['TAP_LINKS', ['at', 'ct']],
    ]);
  });
});

describe('linkId', () => {
  it('keeps an explicit id', () => {
    expect(linkId({ id: 'wire', a: 'x', b: 'y' }, 0)).toBe('wire');
  });
  it('derives a valid id that ignores end order and link position', () => {
    const one = linkId({ a: 'alpha:eth0', b: 'br0' }, 0);
    expect(one).toMatch(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/);
    expect(linkId({ a: 'br0', b: 'alpha:eth0' }, 5)).toBe(one);
    expect(linkId({ a: 'alpha:eth1', b: 'br0' }, 0)).not.toBe(one);
  });
});

describe('resolveEndpoint', () => {
  it('splits node and port', () => {
    expect(resolveEndpoint('alpha:eth0')).toEqual({ node: 'alpha', port: 'eth0' });
    expect(resolveEndpoint('br0')).toEqual({ node: 'br0' });
  });
});
