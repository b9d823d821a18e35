import { create } from 'zustand';

/** The user's answer to "save your changes first?". */
export type UnsavedChoice = 'save' | 'discard' | 'cancel';

/** The question the unsaved-changes dialog shows while it is open. */
export interface UnsavedQuestion {
  /** The file the changes would be saved as, e.g. `lab.qnet.yaml`. */
  readonly file: string;
  /** What replaces the document if the user goes on: "opening 05-socket-pair.qnet.yaml". */
  readonly next: string;
}

/** What `mayReplace` needs from the window: the document's state, the dialog and the save command. */
export interface ReplaceGuard {
  isDirty(): boolean;
  ask(): Promise<UnsavedChoice>;
  /** The window's Save; it may ask where (a native dialog) and be cancelled, leaving the document dirty. */
  save(): void | Promise<void>;
}

/**
 * Whether the document may be replaced now: it is clean, or the user chose Don't Save, or chose Save and the save
 * happened. Cancel, or a save that did not happen (its dialog cancelled, an error), keeps the document.
 */
export async function mayReplace(guard: ReplaceGuard): Promise<boolean> {
  if (!guard.isDirty()) return true;
  const choice = await guard.ask();
  if (choice === 'discard') return true;
  if (choice === 'cancel') return false;
  await guard.save();
  return !guard.isDirty();
}

/** The dialog's state (a store) and the promise-returning question the commands await. */
export function createUnsavedPrompt() {
  const store = create<{ readonly question: UnsavedQuestion | null }>()(() => ({ question: null }));
  let pending: ((choice: UnsavedChoice) => void) | null = null;
  const answer = (choice: UnsavedChoice) => {
    const resolve = pending;
    pending = null;
    store.setState({ question: null });
    resolve?.(choice);
  };
  return {
    store,
    /** Shows the question; a newer one (a file from the OS while it is open) cancels the older. */
    ask(question: UnsavedQuestion): Promise<UnsavedChoice> {
      if (pending) answer('cancel');
      return new Promise((resolve) => {
        pending = resolve;
        store.setState({ question });
      });
    },
    answer,
  };
}

/** The window's unsaved-changes prompt (panels/UnsavedDialog.tsx shows it). */
export const unsavedPrompt = createUnsavedPrompt();
