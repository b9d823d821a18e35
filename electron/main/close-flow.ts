/**
 * Closing windows and quitting. A window asks about its own unsaved changes only: labs keep running while another
 * window follows them. The running labs are asked about when the app is about to go, once: the last window closing,
 * or Quit (which first asks each window about its unsaved changes). "Save" closes the window that asked once its
 * save is written, or goes on quitting.
 */
import { dialog, type BrowserWindow, type MessageBoxOptions, type WebContents } from 'electron';
import type { LabStatus, Result } from '../../shared/api';
import { askToSave, askToStopLabs, type Ask } from './close-guard';
import type { DocumentState } from './dialogs';

export interface CloseFlowDeps {
  /** The live windows. */
  readonly windows: () => readonly BrowserWindow[];
  /** Where a question that is no one window's goes (the running labs, on Quit). */
  readonly focused: () => BrowserWindow | null;
  /** The document of the page in `contents`. */
  readonly document: (contents: WebContents) => DocumentState;
  /** Labs this app's engine runs now. */
  readonly labs: () => Promise<readonly LabStatus[]>;
  readonly stopLab: (lab: string) => Promise<Result>;
  /** Asks the page in `contents` to save its document (its Save action). */
  readonly save: (contents: WebContents) => void;
  /** Quits the app for good (app.quit(): the windows close without asking, then will-quit). */
  readonly quit: () => void;
}

/** What a save a close prompt asked for leads to, once written. */
type AfterSave =
  | { readonly win: BrowserWindow; readonly then: 'close' }
  | { readonly win: BrowserWindow; readonly then: 'quit'; readonly settled: Set<number> };

/** Message boxes on `win` (modal to it), or on their own when there is none. */
function askOn(win: BrowserWindow | null): Ask {
  return async (box) => {
    const options: MessageBoxOptions = { type: 'question', noLink: true, ...box };
    const answer = win && !win.isDestroyed() ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options);
    return (await answer).response;
  };
}

export class CloseFlow {
  /** Windows whose close was approved: their next `close` goes through. */
  private readonly approved = new WeakSet<BrowserWindow>();
  /** Windows showing their close prompt now. */
  private readonly asking = new Set<BrowserWindow>();
  /** Saves a close prompt asked for, by the page's webContents id. */
  private readonly afterSave = new Map<number, AfterSave>();
  private quitting = false;
  private quitApproved = false;

  constructor(private readonly deps: CloseFlowDeps) {}

  /** Holds `win`'s close until what it has to ask is answered. */
  watch(win: BrowserWindow): void {
    const id = win.webContents.id;
    win.on('close', (event) => {
      if (this.quitApproved || this.approved.has(win)) return;
      event.preventDefault();
      void this.close(win, false);
    });
    win.once('closed', () => this.afterSave.delete(id));
  }

  /** `before-quit`: held until each window's unsaved changes and then the running labs are answered. */
  beforeQuit(event: { preventDefault(): void }): void {
    if (this.quitApproved) return;
    event.preventDefault();
    void this.quit(new Set());
  }

  /** The page in `contents` finished a save: when a close prompt asked for it, that close (or the quit) goes on. */
  saveFinished(contents: WebContents, saved: boolean): void {
    const pending = this.afterSave.get(contents.id);
    if (!pending) return;
    this.afterSave.delete(contents.id);
    if (!saved || pending.win.isDestroyed()) return;
    if (pending.then === 'close') void this.close(pending.win, true);
    else void this.quit(pending.settled.add(contents.id));
  }

  /** One window's close; `saved`: its document was just saved for it, so only the labs may be left to ask. */
  private async close(win: BrowserWindow, saved: boolean): Promise<void> {
    if (this.asking.has(win) || this.quitting) return;
    this.asking.add(win);
    try {
      const contents = win.webContents;
      const answer = saved ? 'close' : await askToSave(this.deps.document(contents), askOn(win));
      if (answer === 'save') return this.saveFirst(contents, { win, then: 'close' });
      if (answer === 'cancel' || win.isDestroyed()) return;
      // Asked after the document prompt: another window may have closed meanwhile.
      const last = this.deps.windows().every((w) => w === win);
      if (last) {
        if ((await this.stopLabs(win)) === 'cancel' || win.isDestroyed()) return;
        this.quitApproved = true; // the app goes with its last window: nothing left to ask on quit
      }
      this.approved.add(win);
      win.close();
    } finally {
      this.asking.delete(win);
    }
  }

  /** Quit: every window's unsaved changes in turn, then the running labs, once. */
  private async quit(settled: Set<number>): Promise<void> {
    if (this.quitting || this.asking.size) return;
    this.quitting = true;
    try {
      for (const win of this.deps.windows()) {
        if (win.isDestroyed() || settled.has(win.webContents.id)) continue;
        const contents = win.webContents;
        const document = this.deps.document(contents);
        if (document.dirty) win.focus(); // show which document the question is about
        const answer = await askToSave(document, askOn(win));
        if (answer === 'save') return this.saveFirst(contents, { win, then: 'quit', settled });
        if (answer === 'cancel') return;
        settled.add(contents.id);
      }
      if ((await this.stopLabs(this.deps.focused())) === 'cancel') return;
      this.quitApproved = true;
      this.deps.quit();
    } finally {
      this.quitting = false;
    }
  }

  private saveFirst(contents: WebContents, then: AfterSave): void {
    this.afterSave.set(contents.id, then);
    this.deps.save(contents);
  }

  private stopLabs(parent: BrowserWindow | null): Promise<'close' | 'cancel'> {
    return askToStopLabs({ labs: this.deps.labs, ask: askOn(parent), stopLab: this.deps.stopLab });
  }
}
