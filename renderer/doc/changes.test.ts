import { describe, expect, it } from 'vitest';
import { linkId } from '../../shared/model';
import type { Topology } from '../../shared/model';
import { applyChange, applyChanges } from './changes';
import { emptyDocument, newNic, newNode } from './factory';

function twoVmsOnHub(): Topology {
  let doc = emptyDocument('t');
  for (const kind of ['vm', 'vm', 'hub'] as const)
    doc = applyChange(doc, { type: 'add-node', node: newNode(doc, kind), position: { x: 0, y: 0 } });
  doc = applyChanges(
    doc,
    doc.nodes
      .filter((n) => n.kind === 'vm')
      .map((n) => ({ type: 'replace-node' as const, id: n.id, node: { ...n, nics: [newNic(n as never)] } as never })),
  );
  return applyChanges(doc, [
    { type: 'add-link', link: { a: 'vm1:eth0', b: 'hub1', transport: 'auto', family: 'unix' } },
    { type: 'add-link', link: { a: 'vm2:eth0', b: 'hub1', transport: 'auto', family: 'unix' } },
  ]);
}

describe('applyChange', () => {
  it('adds nodes with fresh ids, schema defaults and a position', () => {
    const doc = twoVmsOnHub();
    expect(doc.nodes.map((n) => n.id)).toEqual(['vm1', 'vm2', 'hub1']);
    expect(doc.nodes[0]).toMatchObject({
      kind: 'vm',
      arch: 'x86_64',
      memory: 256,
      nics: [{ id: 'eth0', mac: 'auto' }],
    });
    expect(doc.layout.nodes.vm1).toEqual({ x: 0, y: 0 });
  });

  it('never mutates its input', () => {
    const doc = twoVmsOnHub();
    const frozen = JSON.stringify(doc);
    applyChange(doc, { type: 'remove', nodes: ['hub1'], links: [] });
    applyChange(doc, { type: 'move-nodes', moves: [{ id: 'vm1', position: { x: 5, y: 6 } }] });
    applyChange(doc, {
      type: 'set-field',
      on: 'node',
      id: 'vm1',
      path: ['nics', 0, 'mac'],
      value: '52:54:00:00:00:01',
    });
    expect(JSON.stringify(doc)).toBe(frozen);
  });

  it('removing a node removes its links and its position', () => {
    const doc = applyChange(twoVmsOnHub(), { type: 'remove', nodes: ['hub1'], links: [] });
    expect(doc.links).toEqual([]);
    expect(doc.layout.nodes.hub1).toBeUndefined();
  });

  it('annotations: added once, moved, replaced and removed by id; the topology part is left alone', () => {
    const doc = twoVmsOnHub();
    const note = { id: 'n1', kind: 'note' as const, x: 0, y: 0, text: 'uplink here' };
    const area = { id: 'a1', kind: 'area' as const, x: -20, y: -20, width: 300, height: 200, color: 'green' as const };
    const added = applyChanges(doc, [
      { type: 'add-annotation', annotation: note },
      { type: 'add-annotation', annotation: area },
    ]);
    expect(applyChange(added, { type: 'add-annotation', annotation: { ...note, text: 'again' } })).toBe(added);
    expect(added.nodes).toBe(doc.nodes);
    expect(added.layout.nodes).toBe(doc.layout.nodes);
    const moved = applyChange(added, { type: 'move-annotations', moves: [{ id: 'n1', position: { x: 40, y: 50 } }] });
    expect(moved.layout.annotations[0]).toEqual({ ...note, x: 40, y: 50 });
    expect(moved.layout.annotations[1]).toBe(area);
    const edited = applyChange(moved, { type: 'replace-annotation', id: 'a1', annotation: { ...area, label: 'DMZ' } });
    expect(edited.layout.annotations[1]).toMatchObject({ label: 'DMZ' });
    const removed = applyChange(edited, { type: 'remove', nodes: [], links: [], annotations: ['n1'] });
    expect(removed.layout.annotations.map((a) => a.id)).toEqual(['a1']);
    expect(removed.links).toBe(edited.links);
  });

  it('removes links by their derived id', () => {
    const doc = twoVmsOnHub();
    const id = linkId(doc.links[0]!);
    expect(applyChange(doc, { type: 'remove', nodes: [], links: [id] }).links).toHaveLength(1);
  });

  it('converts a hub to a VDE switch keeping id, name and links (the HUB_SPANS_VMS fix)', () => {
    const doc = applyChange(twoVmsOnHub(), { type: 'convert-node', id: 'hub1', toKind: 'vde' });
    expect(doc.nodes[2]).toEqual({ id: 'hub1', name: 'hub1', kind: 'vde', ports: 32, hub: false });
    expect(doc.links).toHaveLength(2);
  });

  it('converts a hub to a multicast segment on a group no other segment of the lab uses', () => {
    let doc = applyChange(twoVmsOnHub(), {
      type: 'add-node',
      node: { ...newNode(twoVmsOnHub(), 'mcast'), id: 'seg', group: '230.0.0.1' } as never,
      position: { x: 0, y: 0 },
    });
    doc = applyChange(doc, { type: 'convert-node', id: 'hub1', toKind: 'mcast' });
    expect(doc.nodes.find((n) => n.id === 'hub1')).toEqual({
      id: 'hub1',
      name: 'hub1',
      kind: 'mcast',
      group: '230.0.0.2',
      port: 1234,
      transport: 'auto',
    });
  });

  it('sets and removes a field by path', () => {
    let doc = applyChange(twoVmsOnHub(), {
      type: 'set-field',
      on: 'node',
      id: 'vm2',
      path: ['nics', 0, 'mac'],
      value: '52:54:00:00:00:01',
    });
    expect((doc.nodes[1] as { nics: { mac: string }[] }).nics[0]!.mac).toBe('52:54:00:00:00:01');
    doc = applyChange(doc, { type: 'set-field', on: 'node', id: 'vm2', path: ['name'], value: undefined });
    expect('name' in doc.nodes[1]!).toBe(false);
    const lid = linkId(doc.links[0]!);
    doc = applyChange(doc, { type: 'set-field', on: 'link', id: lid, path: ['transport'], value: 'dgram' });
    expect(doc.links[0]!.transport).toBe('dgram');
  });

  it('returns the same document when nothing changes', () => {
    const doc = twoVmsOnHub();
    expect(applyChange(doc, { type: 'remove', nodes: [], links: [] })).toBe(doc);
    expect(applyChange(doc, { type: 'move-nodes', moves: [] })).toBe(doc);
    expect(applyChange(doc, { type: 'add-node', node: doc.nodes[0]!, position: { x: 1, y: 1 } })).toBe(doc);
  });

  it("sets the lab's name, description and settings", () => {
    const doc = twoVmsOnHub();
    let next = applyChanges(doc, [
      { type: 'set-name', name: 'renamed' },
      { type: 'set-description', description: 'Two guests on a hub.' },
      { type: 'set-settings', settings: { portBase: 41000, macPrefix: '52:54:01' } },
    ]);
    expect(next).toMatchObject({
      name: 'renamed',
      description: 'Two guests on a hub.',
      settings: { portBase: 41000, macPrefix: '52:54:01' },
    });
    expect(next.nodes).toBe(doc.nodes);
    next = applyChange(next, { type: 'set-description', description: undefined });
    expect('description' in next).toBe(false);
    expect(applyChange(next, { type: 'set-name', name: 'renamed' })).toBe(next);
    expect(applyChange(next, { type: 'set-description', description: undefined })).toBe(next);
  });
});
