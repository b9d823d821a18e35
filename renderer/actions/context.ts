/** The action context of this window, read from its stores when an action is checked or run (so never stale). */
import { useSyncExternalStore } from 'react';
import { useLab } from '../lab/labStore';
import { editor } from '../store/editor';
import { usePanels } from '../store/panels';
import type { ActionContext, AppCommands } from './registry';

/** The editor, the followed lab and the bottom panel now, with the app's commands. */
export function actionContext(app: AppCommands): ActionContext {
  return { state: editor.getState(), lab: useLab.getState(), panels: usePanels.getState(), app };
}

const subscribe = (listener: () => void) => {
  const offs = [editor.subscribe(listener), useLab.subscribe(listener), usePanels.subscribe(listener)];
  return () => offs.forEach((off) => off());
};

/**
 * Which of `actions` can run now in `context()` (read from the window's stores), by their predicates: kept as a
 * string of 0/1 in their order, so a component re-renders only when one of them changes, not on every edit.
 */
export function useEnabled<C, A extends { readonly predicate?: (ctx: C) => boolean }>(
  actions: readonly A[],
  context: () => C,
): (a: A) => boolean {
  const snapshot = () => {
    const ctx = context();
    return actions.map((a) => (!a.predicate || a.predicate(ctx) ? '1' : '0')).join('');
  };
  const bits = useSyncExternalStore(subscribe, snapshot);
  return (a) => bits[actions.indexOf(a)] !== '0';
}
