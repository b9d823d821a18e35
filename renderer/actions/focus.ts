/** Where the keyboard focus is, for deciding who an edit command is for: a text field, a dialog, or the drawing. */

/** Whether `target` takes text (an input, a text area, a select, or editable content). */
export function editable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

/** Whether `target` sits in a dialog (the unsaved-changes question, the gallery): it edits nothing behind it. */
export function inDialog(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('.modal') !== null;
}

/** The page's focus now, as a menu command needs it. */
export interface PageFocus {
  /** A text field has the focus: Copy, Paste, Undo… are the field's. */
  readonly editingText: boolean;
  /** A dialog is open: the drawing behind it is not edited. */
  readonly dialogOpen: boolean;
}

export function pageFocus(): PageFocus {
  if (typeof document === 'undefined') return { editingText: false, dialogOpen: false };
  return { editingText: editable(document.activeElement), dialogOpen: document.querySelector('.modal') !== null };
}
