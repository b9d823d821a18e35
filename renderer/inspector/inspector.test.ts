import { beforeEach, describe, expect, it } from 'vitest';
import { NODE_KINDS, NODE_SCHEMAS, Settings, Topology, TopologyNode, saveTopology } from '../../shared/model';
import type { NatNode, VmNode } from '../../shared/model';
import { emptyDocument, newNode } from '../doc/factory';
import { editor } from '../store/editor';
import { KIND_FIELDS, LAB_FIELDS } from './fields';
import { BOOT_SEEDS, KIND_EDITORS, KIND_LISTS } from './listFields';
import { OPTION_ROWS } from './optionRows';
import { doneTyping, tryLabField, tryNodeField } from './tryEdit';

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
      expect(
        keys.filter((k) => !covered.has(k)),
        kind,
      ).toEqual([]);
    }
  });

  it('cover every field of the lab itself and of its settings', () => {
    const covered = new Set(LAB_FIELDS.map((f) => f.path.join('.')));
    const keys = [
      ...Object.keys(Topology.shape).filter((k) => !['version', 'nodes', 'links', 'layout', 'settings'].includes(k)),
      ...Object.keys(Settings.shape).map((k) => `settings.${k}`),
    ];
    expect(keys.filter((k) => !covered.has(k))).toEqual([]);
  });

  it("every list's new row is valid as it is, and a removed row leaves a valid node", () => {
    for (const kind of NODE_KINDS) {
      const doc = editor.getState().doc;
      const fresh = newNode(doc, kind);
      editor.getState().dispatch([{ type: 'add-node', node: fresh, position: { x: 0, y: 0 } }]);
      for (const def of KIND_LISTS[kind]) {
        if (def.kind !== 'records') continue;
        const current = node<TopologyNode>(fresh.id);
        const items = (current as unknown as Record<string, unknown[]>)[String(def.path[0])] ?? [];
        expect(tryNodeField(current, def.path, [...items, def.seed(current, items)]), `${kind} ${def.row}`).toBeNull();
        expect(tryNodeField(node<TopologyNode>(fresh.id), def.path, items), `${kind} ${def.row}`).toBeNull();
      }
    }
  });

  it('QEMU options round-trip through their key=value rows, a repeated key one row per value', () => {
    const options = { sndbuf: '1048576', hostfwd: ['tcp::1-:1', 'tcp::2-:2'] };
    expect(OPTION_ROWS.rows(options)).toEqual(['sndbuf=1048576', 'hostfwd=tcp::1-:1', 'hostfwd=tcp::2-:2']);
    expect(OPTION_ROWS.value(OPTION_ROWS.rows(options))).toEqual(options);
    expect(OPTION_ROWS.value([])).toBeUndefined();
    expect(OPTION_ROWS.check('sndbuf')).toMatch(/key=value/);
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
    expect(
      tryNodeField(nat, ['hostfwd'], [{ proto: 'tcp', hostAddr: '127.0.0.1', hostPort: 8080, guestPort: 80 }]),
    ).toBeNull();
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
    expect(node<VmNode>('vm1').boot).toEqual({
      type: 'disk',
      images: [{ path: 'disk.qcow2', format: 'qcow2', snapshot: false }],
    });
    expect(tryNodeField(node<VmNode>('vm1'), ['boot', 'images'], [])).not.toBeNull();
    expect(tryNodeField(node<VmNode>('vm1'), ['boot', 'images', 0, 'clone'], 'keep')).toBeNull();
    expect(tryNodeField(node<VmNode>('vm1'), ['boot', 'images', 0, 'clone'], 'always')).not.toBeNull();
    expect(tryNodeField(node<VmNode>('vm1'), ['disks'], [{ path: '/srv/s.qcow2', clone: 'discard' }])).toBeNull();
    expect(node<VmNode>('vm1').disks).toEqual([{ path: '/srv/s.qcow2', snapshot: true, clone: 'discard' }]);
  });

  it('clearing an optional field inside an object removes the object it leaves empty (no `console: {}` saved)', () => {
    const field = KIND_FIELDS.vm.find((f) => f.path.join('.') === 'console.tcpPort')!;
    expect(field.optional).toBe(true);
    expect(tryNodeField(node<VmNode>('vm1'), field.path, 5000)).toBeNull();
    expect(node<VmNode>('vm1').console).toEqual({ tcpPort: 5000 });
    doneTyping();
    // What the field sends for an emptied optional number.
    expect(tryNodeField(node<VmNode>('vm1'), field.path, undefined)).toBeNull();
    expect('console' in node<VmNode>('vm1')).toBe(false);
    expect(saveTopology(editor.getState().doc)).not.toMatch(/console/);
  });
});

describe('tryLabField', () => {
  it("edits the lab's name, description and settings with the topology schema's checks", () => {
    expect(tryLabField(['name'], 'my lab')).toMatch(/letters, digits/);
    expect(tryLabField(['name'], 'my-lab')).toBeNull();
    expect(tryLabField(['description'], 'Line one.\nLine two.')).toBeNull();
    expect(tryLabField(['settings', 'portBase'], 80)).toMatch(/1024/);
    expect(tryLabField(['settings', 'macPrefix'], '52:54')).toMatch(/three bytes/);
    expect(tryLabField(['settings', 'portBase'], 41000)).toBeNull();
    expect(tryLabField(['description'], undefined)).toBeNull();
    const doc = editor.getState().doc;
    expect(doc).toMatchObject({ name: 'my-lab', settings: { portBase: 41000, macPrefix: '52:54:00' } });
    expect('description' in doc).toBe(false);
  });

  it("clearing the lab's last setting leaves no `settings: {}`", () => {
    expect(tryLabField(['settings', 'portBase'], 40000)).toBeNull();
    doneTyping();
    expect(tryLabField(['settings', 'portBase'], undefined)).toBeNull();
    expect(saveTopology(editor.getState().doc)).not.toMatch(/settings/);
  });

  it('typing in one lab field is one undo step', () => {
    const before = editor.getState().doc.name;
    const past = editor.getState().history.past.length;
    for (const name of ['l', 'la', 'lab', 'lab-', 'lab-2']) tryLabField(['name'], name);
    doneTyping();
    tryLabField(['settings', 'portBase'], 42000);
    doneTyping();
    expect(editor.getState().history.past.length).toBe(past + 2);
    editor.getState().undo();
    expect(editor.getState().doc).toMatchObject({ name: 'lab-2', settings: { portBase: 40000 } });
    editor.getState().undo();
    expect(editor.getState().doc.name).toBe(before);
  });
});
