import { useEffect } from 'react';
import { editable, inDialog } from '../actions/focus';
import { DRAWING_COPY_TYPE } from '../doc/systemClipboard';
import { importText, looksLikeQemu } from './importText';

/** The drawing's own Paste, waiting to learn whether the system clipboard brings QEMU command lines instead. */
let pending: (() => void) | null = null;

/**
 * Runs the drawing's Paste unless the paste event that follows a Ctrl+V carries QEMU command lines (then they are
 * imported). The event comes in the same task as the key press; if none comes, Paste runs on the next tick.
 */
export function deferPaste(perform: () => void): void {
  pending = perform;
  setTimeout(() => {
    if (pending !== perform) return;
    pending = null;
    perform();
  }, 0);
}

/**
 * Pasting text that runs QEMU onto the canvas (not into a field or dialog) imports it as one undo step, unless the
 * newest thing on the clipboard is the drawing's own copy (its text may name a QEMU binary too).
 */
export function usePasteImport(): void {
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      if (editable(e.target) || inDialog(e.target)) return;
      const text = e.clipboardData?.getData('text/plain') ?? '';
      const drawing = pending;
      pending = null;
      const ours = e.clipboardData?.types.includes(DRAWING_COPY_TYPE) ?? false;
      if (!ours && looksLikeQemu(text)) {
        e.preventDefault();
        importText(text, 'pasted text');
      } else if (drawing) {
        e.preventDefault();
        drawing();
      }
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, []);
}
