import { create } from 'zustand';
import { importQemu, type ImportDiagnostic } from '../../shared/import';
import type { XY } from '../doc/changes';
import { importChanges } from '../doc/importDoc';
import { editor } from '../store/editor';

/** What the last import said, with the ids its nodes got in the document. Shown in Problems while they are there. */
export interface ImportNotes {
  readonly source: string;
  readonly nodes: readonly string[];
  readonly diagnostics: readonly ImportDiagnostic[];
}

/** The last import's notes (apart from the document: they describe the text, not the drawing). */
export const useImportNotes = create<{ notes: ImportNotes | null; set(notes: ImportNotes | null): void }>()((set) => ({
  notes: null,
  set: (notes) => set({ notes }),
}));

/** The notes to show for a document: while an imported node is still in it (an undone import takes its notes along). */
export function visibleNotes(notes: ImportNotes | null, nodeIds: ReadonlySet<string>): readonly ImportDiagnostic[] {
  if (!notes) return [];
  return notes.nodes.length === 0 || notes.nodes.some((id) => nodeIds.has(id)) ? notes.diagnostics : [];
}

/** Text a paste should import: it runs a QEMU system emulator somewhere. */
export function looksLikeQemu(text: string): boolean {
  return /(^|[\s/"'=;|&(])(qemu-system-[a-z0-9_]+|qemu-kvm)(\s|$)/m.test(text);
}

/**
 * Imports QEMU command lines or a script (pasted, dropped, or File › Import) into the document as one undo step:
 * the imported nodes are selected and shown, and the import's diagnostics go to Problems with their lines.
 */
export function importText(text: string, source: string, at?: XY): boolean {
  const s = editor.getState();
  const r = importQemu(text, { name: source.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') });
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  if (!r.topology) {
    useImportNotes.getState().set({ source, nodes: [], diagnostics: r.diagnostics });
    s.notify(
      'error',
      `Nothing imported from ${source}: ${r.diagnostics.find((d) => d.severity === 'error')?.message ?? 'no QEMU command'}`,
    );
    return false;
  }
  const { changes, ids, renamed } = importChanges(s.doc, r.topology, at);
  s.dispatch(changes);
  s.select({ nodes: ids, links: [] });
  s.revealNodes(ids);
  const rename = (id: string) => renamed.get(id) ?? id;
  useImportNotes
    .getState()
    .set({ source, nodes: ids, diagnostics: r.diagnostics.map((d) => ({ ...d, nodes: d.nodes.map(rename) })) });
  const vms = r.topology.nodes.filter((n) => n.kind === 'vm').length;
  const partial = errors > 0 ? `, partly (${errors} error${errors === 1 ? '' : 's'} in Problems)` : '';
  s.notify(errors > 0 ? 'error' : 'info', `Imported ${vms} VM${vms === 1 ? '' : 's'} from ${source}${partial}`);
  return true;
}
