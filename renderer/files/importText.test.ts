import { beforeEach, describe, expect, it } from 'vitest';
import { emptyDocument, newNode } from '../doc/factory';
import { editor } from '../store/editor';
import { importText, looksLikeQemu, useImportNotes, visibleNotes } from './importText';

const PAIR = `# launch a first QEMU instance
qemu-system-x86_64 linux.img \\
                 -device e1000,netdev=n1,mac=52:54:00:12:34:56 \\
                 -netdev socket,id=n1,listen=:1234
# connect the network of this instance to the network of the first instance
qemu-system-x86_64 linux.img \\
                 -device e1000,netdev=n2,mac=52:54:00:12:34:57 \\
                 -netdev socket,id=n2,connect=127.0.0.1:1234
`;

beforeEach(() => {
  editor.getState().load(emptyDocument(), null);
  useImportNotes.getState().set(null);
});

describe('importing into the drawing', () => {
  it('adds the VMs and their link as one undo step, selected, with the notes in Problems until undone', () => {
    const s = editor.getState();
    s.dispatch([{ type: 'add-node', node: newNode(s.doc, 'vm'), position: { x: 0, y: 0 } }]);
    const before = editor.getState().doc;
    expect(importText(PAIR, 'pair.sh')).toBe(true);
    const after = editor.getState();
    // vm1 was taken: the first imported VM is renamed, its link follows.
    expect(after.doc.nodes.map((n) => n.id)).toEqual(['vm1', 'vm2', 'vm3']);
    expect(after.doc.links).toMatchObject([
      { a: 'vm2:eth0', b: 'vm3:eth0', transport: 'socket', port: 1234, host: '0.0.0.0' },
    ]);
    expect(after.selection.nodes).toEqual(['vm2', 'vm3']);
    // MACs as written, positions right of what was drawn.
    const vm2 = after.doc.nodes.find((n) => n.id === 'vm2');
    expect(vm2?.kind === 'vm' && vm2.nics[0]?.mac).toBe('52:54:00:12:34:56');
    expect(after.doc.layout.nodes.vm2!.x).toBeGreaterThanOrEqual(300);
    const notes = useImportNotes.getState().notes!;
    expect(notes.diagnostics.map((d) => [d.code, d.line, d.nodes])).toEqual([
      ['IMPORT_KEPT', 2, ['vm2']],
      ['IMPORT_KEPT', 6, ['vm3']],
    ]);
    expect(visibleNotes(notes, new Set(after.doc.nodes.map((n) => n.id)))).toHaveLength(2);
    after.undo();
    expect(editor.getState().doc).toBe(before);
    expect(visibleNotes(notes, new Set(editor.getState().doc.nodes.map((n) => n.id)))).toEqual([]);
  });

  it('text with no QEMU command imports nothing and says why', () => {
    const before = editor.getState().doc;
    expect(importText('ls -l\n', 'notes.txt')).toBe(false);
    expect(editor.getState().doc).toBe(before);
    expect(editor.getState().notice).toMatchObject({
      kind: 'error',
      text: expect.stringContaining('no QEMU command found'),
    });
    expect(useImportNotes.getState().notes?.diagnostics.map((d) => d.code)).toEqual(['IMPORT_NO_QEMU']);
  });

  it('a paste imports only text that runs QEMU', () => {
    expect(looksLikeQemu(PAIR)).toBe(true);
    expect(looksLikeQemu('sudo /usr/bin/qemu-system-aarch64 -M virt')).toBe(true);
    expect(looksLikeQemu('vm1 vm2')).toBe(false);
    expect(looksLikeQemu('see the qemu-system-x86_64(1) page')).toBe(false);
  });
});
