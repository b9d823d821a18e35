import type { WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { TEXT_EDIT_OPS } from '../../shared/desktop-api';
import { editText } from './edit-text';

describe('editText', () => {
  it('runs each Edit command as the page’s own native one', () => {
    const ran: string[] = [];
    const contents = Object.fromEntries(TEXT_EDIT_OPS.map((op) => [op, () => ran.push(op)])) as unknown as WebContents;
    for (const op of TEXT_EDIT_OPS) expect(editText(contents, op)).toEqual({ ok: true });
    expect(ran).toEqual([...TEXT_EDIT_OPS]);
  });
});
