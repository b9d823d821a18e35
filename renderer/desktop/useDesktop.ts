import { useEffect } from 'react';
import type { AppCommands } from '../actions/registry';
import { desktopApi } from '../api/desktop';
import { openText } from '../files/commands';
import { editor } from '../store/editor';
import { connectDesktop } from './bridge';

/** In the desktop window: native menu actions, files from main, the document state for the title (bridge.ts). */
export function useDesktop(app: AppCommands): void {
  useEffect(() => {
    const api = desktopApi();
    return api ? connectDesktop(api, { store: editor, app, openText }) : undefined;
  }, [app]);
}
