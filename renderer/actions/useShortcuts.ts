import { useEffect } from 'react';
import { editable, inDialog } from './focus';
import { actionForKey, type AppCommands } from './registry';
import { deferPaste } from '../files/usePasteImport';
import { actionContext } from './context';

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
      const ctx = actionContext(app);
      if (action.predicate && !action.predicate(ctx)) return;
      // The system clipboard may hold QEMU command lines to import: the paste event decides (usePasteImport).
      if (action.name === 'paste') return deferPaste(() => action.perform(ctx));
      e.preventDefault();
      action.perform(ctx);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [app]);
}
