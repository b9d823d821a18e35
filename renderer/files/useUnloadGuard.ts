import { useEffect } from 'react';
import { desktopApi } from '../api/desktop';
import { editor } from '../store/editor';

/**
 * In a browser, leaving or reloading the page with unsaved changes asks first (the browser's own dialog). Not in the
 * desktop window: there main asks in its close flow, from the dirty state the page reports (desktop/bridge.ts), and a
 * cancelled beforeunload would silently block the window from closing.
 */
export function useUnloadGuard(): void {
  useEffect(() => {
    if (desktopApi()) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (!editor.getState().dirty) return;
      e.preventDefault();
      e.returnValue = ''; // older browsers ask only when returnValue is set
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);
}
