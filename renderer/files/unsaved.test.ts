import { describe, expect, it, vi } from 'vitest';
import { createUnsavedPrompt, mayReplace, type UnsavedChoice } from './unsaved';

/** A guard over a fake document: `saves` says whether Save really saves (false: its dialog was cancelled). */
function guard(choice: UnsavedChoice | null, saves = true) {
  let dirty = choice !== null;
  return {
    isDirty: () => dirty,
    ask: vi.fn(async () => choice!),
    save: vi.fn(async () => {
      if (saves) dirty = false;
    }),
  };
}

describe('mayReplace', () => {
  it('replaces a clean document without asking', async () => {
    const g = guard(null);
    expect(await mayReplace(g)).toBe(true);
    expect(g.ask).not.toHaveBeenCalled();
  });

  it("Don't Save replaces, Cancel keeps; neither saves", async () => {
    for (const [choice, replaced] of [
      ['discard', true],
      ['cancel', false],
    ] as const) {
      const g = guard(choice);
      expect(await mayReplace(g), choice).toBe(replaced);
      expect(g.save).not.toHaveBeenCalled();
    }
  });

  it('Save replaces only once the save happened', async () => {
    const saved = guard('save');
    expect(await mayReplace(saved)).toBe(true);
    expect(saved.save).toHaveBeenCalledOnce();
    const cancelled = guard('save', false);
    expect(await mayReplace(cancelled)).toBe(false);
  });
});

describe('the unsaved-changes prompt', () => {
  it('shows the question until it is answered, then resolves with the answer', async () => {
    const p = createUnsavedPrompt();
    const answer = p.ask({ file: 'lab.qnet.yaml', next: 'starting a new document' });
    expect(p.store.getState().question).toEqual({ file: 'lab.qnet.yaml', next: 'starting a new document' });
    p.answer('discard');
    expect(await answer).toBe('discard');
    expect(p.store.getState().question).toBeNull();
  });

  it('a newer question cancels the one still open', async () => {
    const p = createUnsavedPrompt();
    const first = p.ask({ file: 'a.qnet.yaml', next: 'opening b.qnet.yaml' });
    const second = p.ask({ file: 'a.qnet.yaml', next: 'opening c.qnet.yaml' });
    expect(await first).toBe('cancel');
    expect(p.store.getState().question?.next).toBe('opening c.qnet.yaml');
    p.answer('save');
    expect(await second).toBe('save');
  });
});
