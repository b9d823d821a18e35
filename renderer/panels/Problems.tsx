import { memo } from 'react';
import type { Diagnostic, FixAction } from '../../shared/diagnostics';
import { fixEffect } from '../plan/fixes';
import { useLab } from '../lab/labStore';
import { useTargetOptions } from '../plan/targetOptions';
import { usePlan } from '../plan/usePlan';
import { editor, useEditor } from '../store/editor';
import { useImportNotes, visibleNotes } from '../files/importText';

/** The import's notes for the document now (nodes still there), memoized on the node ids. */
function useImportProblems(): readonly Diagnostic[] {
  const notes = useImportNotes((s) => s.notes);
  const ids = useEditor((s) => s.doc.nodes);
  return visibleNotes(notes, new Set(ids.map((n) => n.id)));
}

/** Applies a one-click fix: a document edit (one undo step) or a compile target option (the plan recompiles). */
export function applyFix(action: FixAction): void {
  const s = editor.getState();
  const effect = fixEffect(s.doc, action);
  if (effect.kind === 'doc') s.dispatch(effect.changes);
  else useTargetOptions.getState().set(effect.field, effect.value);
}

/**
 * The node a diagnostic is mainly about: the one its fix edits (DUPLICATE_MAC names both VMs, but the fix and the
 * message are about the second one), else its only node.
 */
function primaryNode(d: Diagnostic): string | null {
  const a = d.fix?.action;
  const fixed = a?.kind === 'convert-node' || (a?.kind === 'set-field' && a.on !== 'link') ? a.node : null;
  if (fixed && d.nodes.includes(fixed)) return fixed;
  return d.nodes.length === 1 ? d.nodes[0]! : null;
}

/** Selects what a diagnostic concerns (its main node alone, so the inspector opens it) and brings it into view. */
function reveal(d: Diagnostic) {
  const s = editor.getState();
  const main = primaryNode(d);
  s.select(main ? { nodes: [main], links: [] } : { nodes: [...d.nodes], links: d.nodes.length ? [] : [...d.links] });
  s.revealNodes(d.nodes);
}

const ORDER = { error: 0, warning: 1, info: 2 } as const;

/** A one-click fix of a diagnostic: its own (`problems__fix__CODE`) or an alternative (`…__2`, `…__3`). */
function FixButton({ testid, label, action }: { testid: string; label: string; action: FixAction }) {
  return (
    <button
      type="button"
      className="problem__fix"
      data-testid={testid}
      data-fix={action.kind}
      onClick={() => applyFix(action)}
    >
      {label}
    </button>
  );
}

/** The compiler's diagnostics, live; a click selects and reveals what one concerns; fixes in one click. */
export const Problems = memo(function Problems() {
  const result = usePlan();
  const labProblems = useLab((s) => s.problems);
  const imported = useImportProblems();
  if (!result) return <div className="muted">Waiting for the server's target…</div>;
  if (!result.ok) return <div className="problem severity-error">The compiler failed: {result.error}</div>;
  // What the last launch or validation found on this host (preflight), what the last import said about its text
  // (at its line and column there), then the compiler's.
  const sorted = (ds: readonly Diagnostic[]) => [...ds].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  const list = [...labProblems, ...sorted(imported), ...sorted(result.plan.diagnostics)];
  const source = (i: number) =>
    i < labProblems.length ? 'preflight' : i < labProblems.length + imported.length ? 'import' : 'compiler';
  if (list.length === 0)
    return (
      <div className="muted" data-testid="problems__none">
        No problems.
      </div>
    );
  return (
    <ul className="problems" data-testid="problems">
      {list.map((d, i) => {
        const action = d.fix?.action;
        return (
          <li
            key={`${d.code}-${i}`}
            className={`problem severity-${d.severity}`}
            data-testid={`problems__item__${d.code}`}
            data-severity={d.severity}
            data-source={source(i)}
          >
            <button type="button" className="problem__main" onClick={() => reveal(d)} title="Select what this concerns">
              <span className="problem__severity">{d.severity}</span>
              {'line' in d && typeof d.line === 'number' ? (
                <span
                  className="problem__where"
                  title="Where in the imported text"
                >{`${d.line}:${'column' in d ? String(d.column) : '1'}`}</span>
              ) : null}
              <code className="problem__code">{d.code}</code>
              <span className="problem__message">{d.message}</span>
            </button>
            {d.fix ? (
              action ? (
                <FixButton testid={`problems__fix__${d.code}`} label={d.fix.label} action={action} />
              ) : (
                <code
                  className="problem__hint"
                  data-testid={`problems__command__${d.code}`}
                  title="The command that fixes it"
                >
                  {d.fix.label}
                </code>
              )
            ) : null}
            {d.alternatives?.map((alt, k) =>
              alt.action ? (
                <FixButton
                  key={k}
                  testid={`problems__fix__${d.code}__${k + 2}`}
                  label={alt.label}
                  action={alt.action}
                />
              ) : null,
            )}
          </li>
        );
      })}
    </ul>
  );
});

/** "2 errors, 1 warning" for the tab title. */
export function useProblemCount(): { errors: number; warnings: number } {
  const result = usePlan();
  const labProblems = useLab((s) => s.problems);
  const imported = useImportProblems();
  const ds = [...labProblems, ...imported, ...(result?.ok ? result.plan.diagnostics : [])];
  return {
    errors: ds.filter((d) => d.severity === 'error').length,
    warnings: ds.filter((d) => d.severity === 'warning').length,
  };
}
