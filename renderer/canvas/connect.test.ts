import { describe, expect, it } from 'vitest';
import { linkId, type Topology } from '../../shared/model';
import { applyChanges } from '../doc/changes';
import { emptyDocument, newNode } from '../doc/factory';
import { linkFromWire, reattach } from './connect';

function doc(): Topology {
  let d = emptyDocument();
  for (const kind of ['vm', 'vm', 'bridge', 'nat'] as const)
    d = applyChanges(d, [{ type: 'add-node', node: newNode(d, kind), position: { x: 0, y: 0 } }]);
  return applyChanges(d, [
    {
      type: 'set-field',
      on: 'node',
      id: 'vm1',
      path: ['nics'],
      value: [{ id: 'eth0', model: 'virtio', mac: 'auto', form: 'device' }],
    },
    {
      type: 'set-field',
      on: 'node',
      id: 'vm2',
      path: ['nics'],
      value: [{ id: 'eth0', model: 'virtio', mac: 'auto', form: 'device' }],
    },
  ]);
}

describe('linkFromWire', () => {
  it('makes a VM-to-VM link between two NICs', () => {
    expect(linkFromWire(doc(), { source: 'vm1', sourceHandle: 'eth0', target: 'vm2', targetHandle: 'eth0' })).toEqual({
      ok: true,
      link: { a: 'vm1:eth0', b: 'vm2:eth0', transport: 'auto', family: 'unix' },
      replaces: [],
    });
  });

  it('a NIC held only by a dangling link of the file is free: the new link re-attaches it, replacing that link', () => {
    const d = { ...doc(), links: [{ a: 'vm1:eth0', b: 'gone:eth0', transport: 'auto', family: 'unix' }] } as Topology;
    const r = linkFromWire(d, { source: 'vm1', sourceHandle: 'eth0', target: 'vm2', targetHandle: 'eth0' });
    expect(r).toEqual({
      ok: true,
      link: { a: 'vm1:eth0', b: 'vm2:eth0', transport: 'auto', family: 'unix' },
      replaces: [linkId(d.links[0]!, 0)],
    });
    // A link whose ends both exist still holds its NIC.
    const held = { ...doc(), links: [{ a: 'vm1:eth0', b: 'br1', transport: 'auto', family: 'unix' }] } as Topology;
    expect(linkFromWire(held, { source: 'vm1', sourceHandle: 'eth0', target: 'vm2', targetHandle: 'eth0' })).toEqual({
      ok: false,
      reason: 'NIC vm1:eth0 is already linked: remove that link first',
    });
  });

  it('refuses what the realization table refuses, with its reason', () => {
    const r = linkFromWire(doc(), { source: 'br1', sourceHandle: 'port', target: 'nat1', targetHandle: 'port' });
    expect(r).toEqual({
      ok: false,
      reason: 'a bridge cannot be linked to a NAT network directly: put a VM or a hub between them',
    });
  });

  it('refuses a second link on a NIC and a link to itself', () => {
    const d = applyChanges(doc(), [
      { type: 'add-link', link: { a: 'vm1:eth0', b: 'nat1', transport: 'auto', family: 'unix' } },
    ]);
    expect(linkFromWire(d, { source: 'vm1', sourceHandle: 'eth0', target: 'br1', targetHandle: 'port' })).toMatchObject(
      { ok: false, reason: expect.stringContaining('NIC vm1:eth0 is already linked') },
    );
    expect(linkFromWire(d, { source: 'br1', sourceHandle: 'port', target: 'br1', targetHandle: 'port' })).toMatchObject(
      { ok: false },
    );
  });

  it("a plain node's handle on any side stands for its one port", () => {
    const r = linkFromWire(doc(), { source: 'vm1', sourceHandle: 'eth0', target: 'br1', targetHandle: 'port@left' });
    expect(r).toMatchObject({ ok: true, link: { a: 'vm1:eth0', b: 'br1' } });
  });
});

describe('reattach', () => {
  const dangling = (extra: object = {}) =>
    ({
      ...doc(),
      links: [{ id: 'up', a: 'vm1:eth0', b: 'gone:eth0', transport: 'auto', family: 'unix', ...extra }],
    }) as Topology;

  it("moves the loose end where it is dropped and keeps the link's other fields", () => {
    const r = reattach(dangling({ shaping: { rate: '1mbit' } }), 'up', 'b', { node: 'vm2', handle: 'eth0' });
    expect(r).toEqual({
      ok: true,
      link: { id: 'up', a: 'vm1:eth0', b: 'vm2:eth0', transport: 'auto', family: 'unix', shaping: { rate: '1mbit' } },
      replaces: [],
    });
    // A plain node's handle: the node itself.
    expect(reattach(dangling(), 'up', 'b', { node: 'br1', handle: 'port@left' })).toMatchObject({
      ok: true,
      link: { a: 'vm1:eth0', b: 'br1' },
    });
  });

  it('refuses what a new wire from the end that stays would be refused, with its reason', () => {
    const d = dangling();
    const held = {
      ...d,
      links: [...d.links, { a: 'vm2:eth0', b: 'br1', transport: 'auto', family: 'unix' }],
    } as Topology;
    expect(reattach(held, 'up', 'b', { node: 'vm2', handle: 'eth0' })).toEqual({
      ok: false,
      reason: 'NIC vm2:eth0 is already linked: remove that link first',
    });
    expect(reattach(d, 'up', 'b', { node: 'vm1', handle: 'eth0' })).toEqual({
      ok: false,
      reason: 'vm1 cannot be linked to itself',
    });
    const both = { ...d, links: [{ id: 'up', a: 'x:eth0', b: 'gone:eth0' }] } as Topology;
    expect(reattach(both, 'up', 'b', { node: 'vm2', handle: 'eth0' })).toEqual({
      ok: false,
      reason: 'its other end "x:eth0" names nothing either: delete the link and draw a new one',
    });
  });
});
