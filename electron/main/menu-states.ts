/**
 * Which menu actions can run, per window: each page reports its own (menuState); the menu shows the focused
 * window's, and switches when the focus moves to another window.
 */
import type { BrowserWindow, WebContents } from 'electron';
import type { Result } from '../../shared/api';

type Enabled = Readonly<Record<string, boolean>>;

export class MenuStates {
  private readonly byPage = new Map<number, Enabled>();

  constructor(
    /** The focused window's page, if any. */
    private readonly focused: () => WebContents | null,
    /** Shows a page's state in the menu. */
    private readonly show: (enabled: Enabled) => void,
  ) {}

  /** Follows `win`: its state shows when it takes the focus, and is forgotten when it closes. */
  watch(win: BrowserWindow): void {
    const id = win.webContents.id;
    win.on('focus', () => this.show(this.byPage.get(id) ?? {}));
    win.once('closed', () => this.byPage.delete(id));
  }

  /** The page in `sender` says which actions can run now. */
  report(sender: WebContents, enabled: Enabled): Result {
    this.byPage.set(sender.id, enabled);
    if (this.focused()?.id === sender.id) this.show(enabled);
    return { ok: true };
  }
}
