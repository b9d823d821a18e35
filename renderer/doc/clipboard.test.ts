import { describe, expect, it } from 'vitest';
import { linkId } from '../../shared/model';
import type { Topology, VmNode } from '../../shared/model';
import { applyChange, applyChanges } from './changes';
import { copyNodes, pasteChanges } from './clipboard';
import { emptyDocument, newNic, newNode } from './factory';

/** vm1:eth0 (fixed MAC) — vm2:eth0 (auto), and a bridge br1 with a fixed ifname linked to vm2:eth1. */
function lab(): Topology {
  let doc = emptyDocument('t');
  for (const kind of ['vm', 'vm', 'bridge'] as const)
    doc = applyChange(doc, { type: 'add-node', node: newNode(doc, kind), position: { x: 100, y: 50 } });
  const vm = (id: string) => doc.nodes.find((n) => n.id === id) as VmNode;
  doc = applyChanges(doc, [
    {
      type: 'replace-node',
      id: 'vm1',
      node: { ...vm('vm1'), nics: [{ ...newNic(vm('vm1')), mac: '52:54:00:12:34:56' }] },
    },
    {
      type: 'replace-node',
      id: 'vm2',
      node: { ...vm('vm2'), nics: [newNic(vm('vm2')), { ...newNic(vm('vm2')), id: 'eth1' }] },
    },
    { type: 'set-field', on: 'node', id: 'br1', path: ['ifname'], value: 'labbr0' },
  ]);
  return applyChanges(doc, [
    { type: 'add-link', link: { a: 'vm1:eth0', b: 'vm2:eth0', transport: 'auto', family: 'inet', port: 41000 } },
    { type: 'add-link', link: { a: 'vm2:eth1', b: 'br1', transport: 'auto', family: 'unix' } },
  ]);
}

describe('copy and paste', () => {
  it('copies the selected nodes, their positions and only the links between two of them', () => {
    const clip = copyNodes(lab(), ['vm1', 'vm2'])!;
    expect(clip.nodes.map((n) => n.id)).toEqual(['vm1', 'vm2']);
    expect(clip.links.map((l) => [l.a, l.b])).toEqual([['vm1:eth0', 'vm2:eth0']]);
    expect(clip.layout.vm1).toEqual({ x: 100, y: 50 });
    expect(copyNodes(lab(), [])).toBeNull();
  });

  it('pastes with fresh ids and names, MACs auto, links remapped, offset positions', () => {
    const doc = lab();
    const { changes, ids } = pasteChanges(doc, copyNodes(doc, ['vm1', 'vm2', 'br1'])!, { x: 40, y: 40 });
    const next = applyChanges(doc, changes);
    expect(ids).toEqual(['vm3', 'vm4', 'br2']);
    const vm3 = next.nodes.find((n) => n.id === 'vm3') as VmNode;
    expect(vm3.name).toBe('vm3');
    expect(vm3.nics[0]!.mac).toBe('auto');
    expect((next.nodes.find((n) => n.id === 'vm1') as VmNode).nics[0]!.mac).toBe('52:54:00:12:34:56');
    expect(next.nodes.find((n) => n.id === 'br2')).not.toHaveProperty('ifname');
    expect(next.layout.nodes.vm3).toEqual({ x: 140, y: 90 });
    const pasted = next.links.slice(2);
    expect(pasted.map((l) => [l.a, l.b])).toEqual([
      ['vm3:eth0', 'vm4:eth0'],
      ['vm4:eth1', 'br2'],
    ]);
    expect(pasted[0]!.port).toBeUndefined();
    expect(new Set(next.links.map((l) => linkId(l))).size).toBe(4);
  });

  it('pasting twice gives new ids again; a custom name gets a fresh numbered name', () => {
    let doc = applyChange(lab(), { type: 'set-field', on: 'node', id: 'vm1', path: ['name'], value: 'alpha' });
    const clip = copyNodes(doc, ['vm1'])!;
    doc = applyChanges(doc, pasteChanges(doc, clip, { x: 10, y: 10 }).changes);
    doc = applyChanges(doc, pasteChanges(doc, clip, { x: 20, y: 20 }).changes);
    expect(doc.nodes.slice(3).map((n) => [n.id, n.name])).toEqual([
      ['vm3', 'alpha1'],
      ['vm4', 'alpha2'],
    ]);
  });
});
