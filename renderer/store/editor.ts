import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { linkId } from '../../shared/model';
import { createEditorStore, type EditorState } from './store';

/** The window's editor store. */
export const editor = createEditorStore((doc) => new Set(doc.links.map((l, i) => linkId(l, i))));

/** Selects one slice of the editor state (compare with Object.is). */
export function useEditor<T>(selector: (s: EditorState) => T): T {
  return useStore(editor, selector);
}

/** Selects an object or array slice, compared shallowly. */
export function useEditorShallow<T>(selector: (s: EditorState) => T): T {
  return useStore(editor, useShallow(selector));
}
