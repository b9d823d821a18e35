import { describe, expect, it } from 'vitest';
import { emptyDocument } from '../doc/factory';
import type { Topology } from '../../shared/model';
import { nodeGeoms, NODE_W } from './geometry';
import { looseOf } from './looseEnds';
import { sceneOf } from './scene';

const doc = (): Topology => ({
  ...emptyDocument(),
  nodes: [
    { kind: 'vm', id: 'vm1', nics: [{ id: 'eth0', model: 'virtio', mac: 'auto', form: 'device' }] },
    { kind: 'bridge', id: 'br1' },
  ] as Topology['nodes'],
  links: [
    { id: 'up', a: 'vm1:eth0', b: 'gone:x' },
    { id: 'nic', a: 'br1', b: 'vm1:eth9' },
  ] as Topology['links'],
  layout: { nodes: { vm1: { x: 0, y: 0 }, br1: { x: 400, y: 300 } }, annotations: [] },
});

describe('loose ends', () => {
  it('a link naming a missing node or port is routed to a box of its own beside the node that holds it', () => {
    const d = doc();
    const scene = sceneOf(d, new Map());
    expect(scene.loose.map((e) => [e.flowId, e.endpoint, e.reason])).toEqual([
      ['?up:b', 'gone:x', 'node "gone" does not exist'],
      ['?nic:b', 'vm1:eth9', 'VM "vm1" has no NIC "eth9"'],
    ]);
    const up = scene.routing.byId.get('up')!;
    expect(up.b).toEqual({ node: '?up:b' });
    const box = scene.geoms.get('?up:b')!;
    expect(box.x).toBeGreaterThan(NODE_W);
    // Both links are drawn, and the document's own boxes are unchanged.
    expect(scene.routing.routes.map((r) => r.id).sort()).toEqual(['nic', 'up']);
    expect(scene.geoms.get('vm1')).toEqual(nodeGeoms(d).get('vm1'));
    expect(looseOf('?up:b')).toEqual({ link: 'up', side: 'b' });
    expect(looseOf('vm1')).toBeNull();
  });
});
