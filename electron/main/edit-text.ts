/**
 * Edit menu commands for a text field: the menu's Copy, Paste, Undo… run the drawing's actions, except where the
 * page's focus is in a text field; then the page asks for the field's own command, which the page itself cannot
 * run (a script may not read the clipboard), and main runs it natively on that page.
 */
import type { WebContents } from 'electron';
import type { Result } from '../../shared/api';
import type { TextEditOp } from '../../shared/desktop-api';

/** Runs `op` on the page in `contents` as the native Edit menu role would. */
export function editText(contents: WebContents, op: TextEditOp): Result {
  contents[op]();
  return { ok: true };
}
