import { useEffect } from 'react';
import { editor } from '../store/editor';
import { actionForKey, type AppCommands } from './registry';

function editable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

/** Whether the key press happened in a dialog (the unsaved-changes question, the gallery): it edits nothing behind it. */
function inDialog(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('.modal') !== null;
}

/**
 * Routes key presses to the action registry; in a form field only file actions (save, open) are taken over, in a
 * dialog none.
 */
export function useShortcuts(app: AppCommands): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = actionForKey(e);
      if (!action || inDialog(e.target)) return;
      if (editable(e.target) && action.name !== 'save' && action.name !== 'open') return;
      const ctx = { state: editor.getState(), app };
      if (action.predicate && !action.predicate(ctx)) return;
      e.preventDefault();
      action.perform(ctx);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [app]);
}
