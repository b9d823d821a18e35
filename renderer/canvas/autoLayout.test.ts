import { describe, expect, it } from 'vitest';
import { applyChange, applyChanges, type Change } from '../doc/changes';
import { emptyDocument, newNic, newNode } from '../doc/factory';
import type { Topology, VmNode } from '../../shared/model';
import { autoLayout, tidyLayout } from './autoLayout';
import { nodeGeoms, overlaps } from './geometry';

/** Four VMs on a switch, all dropped on one spot. */
function pile(): Topology {
  let doc = emptyDocument('t');
  const changes: Change[] = [];
  for (let i = 0; i < 4; i++) {
    const vm = newNode(doc, 'vm') as VmNode;
    const change: Change = { type: 'add-node', node: { ...vm, nics: [newNic(vm)] }, position: { x: 100, y: 100 } };
    doc = applyChange(doc, change);
    changes.push(change);
  }
  doc = applyChange(doc, { type: 'add-node', node: newNode(doc, 'vde'), position: { x: 110, y: 110 } });
  return applyChanges(
    doc,
    ['vm1', 'vm2', 'vm3', 'vm4'].map((vm) => ({
      type: 'add-link',
      link: { a: `${vm}:eth0`, b: 'vde1', transport: 'auto', family: 'unix' },
    })),
  );
}

function noOverlaps(doc: Topology): void {
  const boxes = [...nodeGeoms(doc).values()];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => expect(overlaps(a, b), `${a.id} ${b.id}`).toBe(false)));
}

describe('tidyLayout', () => {
  it("places every node apart, in layers along the links, from the drawing's top-left corner: one change", async () => {
    const doc = pile();
    const change = await tidyLayout(doc);
    expect(change?.type).toBe('move-nodes');
    const tidy = applyChange(doc, change!);
    noOverlaps(tidy);
    const g = nodeGeoms(tidy);
    // The VMs form one layer, the switch the next.
    expect(new Set(['vm1', 'vm2', 'vm3', 'vm4'].map((v) => g.get(v)!.x)).size).toBe(1);
    expect(g.get('vde1')!.x).toBeGreaterThan(g.get('vm1')!.x + g.get('vm1')!.w);
    expect(Math.min(...[...g.values()].map((b) => b.x))).toBe(100);
    expect(await tidyLayout(tidy)).toBeNull();
  });

  it('a file without positions gets them, below what has one', async () => {
    const doc = pile();
    const { vm1: _gone, vm2: _too, ...rest } = doc.layout.nodes;
    const laid = await autoLayout({
      ...doc,
      layout: { ...doc.layout, nodes: { vm3: rest.vm3!, vm4: { x: 400, y: 100 }, vde1: { x: 700, y: 100 } } },
    });
    expect(laid.layout.nodes.vm1).toBeDefined();
    expect(laid.layout.nodes.vm1!.y).toBeGreaterThan(100 + 88);
    noOverlaps(laid);
  });
});
