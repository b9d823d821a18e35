import { describe, expect, it } from 'vitest';
import type { Topology } from '../../shared/model';
import { applyChange } from './changes';
import { emptyDocument, newNode } from './factory';
import { beginMark, commitMark, EMPTY_HISTORY, endRun, record, redo, undo, type History } from './history';

const RECORD = { kind: 'record' } as const;

function step(state: { doc: Topology; h: History }, next: Topology, intent: Parameters<typeof record>[3] = RECORD) {
  return { doc: next, h: record(state.h, state.doc, next, intent) };
}

describe('history', () => {
  it('records one step per action, undoes and redoes them', () => {
    let s = { doc: emptyDocument(), h: EMPTY_HISTORY };
    const d0 = s.doc;
    s = step(s, applyChange(s.doc, { type: 'add-node', node: newNode(s.doc, 'vm'), position: { x: 0, y: 0 } }));
    const d1 = s.doc;
    s = step(s, applyChange(s.doc, { type: 'add-node', node: newNode(s.doc, 'hub'), position: { x: 9, y: 9 } }));
    const d2 = s.doc;
    let u = undo(s.h, s.doc)!;
    expect(u.doc).toBe(d1);
    u = undo(u.history, u.doc)!;
    expect(u.doc).toBe(d0);
    expect(undo(u.history, u.doc)).toBeNull();
    let r = redo(u.history, u.doc)!;
    r = redo(r.history, r.doc)!;
    expect(r.doc).toBe(d2);
    expect(redo(r.history, r.doc)).toBeNull();
  });

  it('a drag is one step: frames are not recorded, the mark is committed once', () => {
    let s = {
      doc: applyChange(emptyDocument(), {
        type: 'add-node',
        node: newNode(emptyDocument(), 'vm'),
        position: { x: 0, y: 0 },
      }),
      h: EMPTY_HISTORY,
    };
    const before = s.doc;
    s = { ...s, h: beginMark(s.h, s.doc) };
    for (let i = 1; i <= 20; i++)
      s = step(s, applyChange(s.doc, { type: 'move-nodes', moves: [{ id: 'vm1', position: { x: i, y: i } }] }), {
        kind: 'none',
      });
    s = { ...s, h: commitMark(s.h, s.doc) };
    expect(s.h.past).toHaveLength(1);
    expect(undo(s.h, s.doc)!.doc).toBe(before);
  });

  it('a drag that moved nothing records nothing', () => {
    const doc = emptyDocument();
    expect(commitMark(beginMark(EMPTY_HISTORY, doc), doc).past).toHaveLength(0);
  });

  it('typing in one field is one step until the field is left', () => {
    let s = {
      doc: applyChange(emptyDocument(), {
        type: 'add-node',
        node: newNode(emptyDocument(), 'vm'),
        position: { x: 0, y: 0 },
      }),
      h: EMPTY_HISTORY,
    };
    const before = s.doc;
    for (const m of [64, 640, 6400])
      s = step(s, applyChange(s.doc, { type: 'set-field', on: 'node', id: 'vm1', path: ['memory'], value: m }), {
        kind: 'coalesce',
        key: 'vm1/memory',
      });
    expect(s.h.past).toHaveLength(1);
    expect(undo(s.h, s.doc)!.doc).toBe(before);
    s = { ...s, h: endRun(s.h) };
    s = step(s, applyChange(s.doc, { type: 'set-field', on: 'node', id: 'vm1', path: ['memory'], value: 128 }), {
      kind: 'coalesce',
      key: 'vm1/memory',
    });
    expect(s.h.past).toHaveLength(2);
  });

  it('a new action drops the redo branch', () => {
    let s = { doc: emptyDocument(), h: EMPTY_HISTORY };
    s = step(s, applyChange(s.doc, { type: 'set-name', name: 'a' }));
    const u = undo(s.h, s.doc)!;
    const s2 = step({ doc: u.doc, h: u.history }, applyChange(u.doc, { type: 'set-name', name: 'b' }));
    expect(s2.h.future).toHaveLength(0);
  });
});
