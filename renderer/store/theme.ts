import { useEffect, useRef, useSyncExternalStore } from 'react';
import { editor, useEditor } from './editor';
import type { ThemePref } from './store';

const KEY = 'qnet.theme';
const DARK = '(prefers-color-scheme: dark)';

/** The theme chosen in an earlier session (localStorage), else `system`. */
function storedTheme(): ThemePref {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

function subscribe(onChange: () => void): () => void {
  const mq = matchMedia(DARK);
  mq.addEventListener('change', onChange);
  return () => mq.removeEventListener('change', onChange);
}

/** The theme in effect: the user's choice, or the system's when they chose `system`. */
export function useEffectiveTheme(): 'light' | 'dark' {
  const pref = useEditor((s) => s.theme);
  const systemDark = useSyncExternalStore(subscribe, () => matchMedia(DARK).matches);
  return pref === 'system' ? (systemDark ? 'dark' : 'light') : pref;
}

/** Restores the stored choice once, keeps localStorage and `<html data-theme>` in step with the store. */
export function useAppliedTheme(): void {
  const pref = useEditor((s) => s.theme);
  const effective = useEffectiveTheme();
  const restored = useRef(false);
  // Declared before the restore so the mount's `system` is not written over the stored choice.
  useEffect(() => {
    if (!restored.current) return;
    try {
      if (pref === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, pref);
    } catch {
      // storage unavailable (private mode): the choice lasts for this session
    }
  }, [pref]);
  useEffect(() => {
    restored.current = true;
    editor.getState().setTheme(storedTheme());
  }, []);
  useEffect(() => {
    document.documentElement.dataset.theme = effective;
  }, [effective]);
}
