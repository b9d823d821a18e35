import { beforeEach, describe, expect, it } from 'vitest';
import { NODE_KINDS, NODE_SCHEMAS, TopologyNode } from '../../shared/model';
import type { NatNode, VmNode } from '../../shared/model';
import { emptyDocument, newNode } from '../doc/factory';
import { editor } from '../store/editor';
import { BOOT_SEEDS } from './editors';
import { KIND_EDITORS, KIND_FIELDS } from './fields';
import { doneTyping, tryNodeField } from './tryEdit';

function node<T>(id: string): T {
  return editor.getState().doc.nodes.find((n) => n.id === id) as T;
}

beforeEach(() => {
  editor.getState().load(emptyDocument(), null);
  const doc = editor.getState().doc;
  editor.getState().dispatch([
    { type: 'add-node', node: newNode(doc, 'nat'), position: { x: 0, y: 0 } },
    { type: 'add-node', node: newNode(doc, 'vm'), position: { x: 0, y: 0 } },
  ]);
});

describe('inspector forms', () => {
  it('cover every field of every node kind the user edits', () => {
    for (const kind of NODE_KINDS) {
      const keys = Object.keys(NODE_SCHEMAS[kind].shape).filter((k) => k !== 'id' && k !== 'kind');
      const covered = new Set([...KIND_FIELDS[kind].map((f) => String(f.path[0])), ...(KIND_EDITORS[kind] ?? [])]);
      expect(keys.filter((k) => !covered.has(k)), kind).toEqual([]);
    }
  });

  it('every boot seed is a valid boot', () => {
    for (const boot of Object.values(BOOT_SEEDS)) {
      expect(TopologyNode.safeParse({ id: 'v', kind: 'vm', boot }).success, boot.type).toBe(true);
    }
  });
});

describe('tryNodeField', () => {
  it('applies a valid value and refuses an invalid one with the schema message', () => {
    const nat = node<NatNode>('nat1');
    expect(tryNodeField(nat, ['hostfwd'], [{ proto: 'tcp', hostAddr: '127.0.0.1', hostPort: 8080, guestPort: 80 }])).toBeNull();
    const before = editor.getState().doc;
    const message = tryNodeField(node<NatNode>('nat1'), ['hostfwd', 0, 'guestPort'], 70000);
    expect(message).toMatch(/65535/);
    expect(editor.getState().doc).toBe(before);
    expect(tryNodeField(node<NatNode>('nat1'), ['dnssearch', 0], '')).not.toBeNull();
    expect(tryNodeField(node<NatNode>('nat1'), ['ipv6'], false)).toBeNull();
    expect(node<NatNode>('nat1').ipv6).toBe(false);
  });

  it('typing in one field is one undo step', () => {
    const past = editor.getState().history.past.length;
    for (const m of ['5', '51', '512']) tryNodeField(node<VmNode>('vm1'), ['memory'], Number(m));
    doneTyping();
    expect(node<VmNode>('vm1').memory).toBe(512);
    expect(editor.getState().history.past.length).toBe(past + 1);
    editor.getState().undo();
    expect(node<VmNode>('vm1').memory).toBe(256);
  });

  it('switches the boot type and edits disk images', () => {
    expect(tryNodeField(node<VmNode>('vm1'), ['boot'], BOOT_SEEDS.disk)).toBeNull();
    expect(tryNodeField(node<VmNode>('vm1'), ['boot', 'images', 0, 'snapshot'], false)).toBeNull();
    expect(node<VmNode>('vm1').boot).toEqual({ type: 'disk', images: [{ path: 'disk.qcow2', format: 'qcow2', snapshot: false }] });
    expect(tryNodeField(node<VmNode>('vm1'), ['boot', 'images'], [])).not.toBeNull();
  });
});
