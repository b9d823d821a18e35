import { useEffect, useRef } from 'react';

/** A snapshot action that loses the user's data, asked before it runs. */
export interface SnapshotQuestion {
  readonly action: 'load' | 'delete' | 'save';
  readonly name: string;
}

const TEXT: Record<SnapshotQuestion['action'], { title: string; body: string; ok: string }> = {
  load: {
    title: 'Restore snapshot',
    body: "Every guest's memory, devices and disks go back to the snapshot: what they hold now is lost.",
    ok: 'Restore',
  },
  delete: {
    title: 'Delete snapshot',
    body: 'It is removed from every guest and cannot be restored afterwards.',
    ok: 'Delete',
  },
  save: {
    title: 'Replace snapshot',
    body: "The snapshot of that name is overwritten by every guest's state now: the saved one is lost.",
    ok: 'Replace',
  },
};

/**
 * "Delete snapshot one of lab?": Restore, Delete and a save over an existing name discard the user's state, so the
 * snapshot dialog asks first, naming the snapshot and the lab. Escape or a click outside cancels.
 */
export function SnapshotConfirm(props: {
  readonly lab: string;
  readonly question: SnapshotQuestion;
  readonly onAnswer: (ok: boolean) => void;
}) {
  const { lab, question, onAnswer } = props;
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      e.stopImmediatePropagation();
      onAnswer(false);
    };
    // Capture, so Escape cancels this question and not the snapshot dialog beneath it.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onAnswer]);
  const text = TEXT[question.action];
  return (
    <div
      className="modal modal--front"
      data-testid="snapshots__confirm"
      onClick={(e) => {
        e.stopPropagation();
        onAnswer(false);
      }}
    >
      <div
        className="modal__body unsaved"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="snapshots__confirm__title"
        aria-describedby="snapshots__confirm__text"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="snapshots__confirm__title">
          {text.title} <code data-testid="snapshots__confirm__name">{question.name}</code> of {lab}?
        </h2>
        <p id="snapshots__confirm__text" className="muted">
          {text.body}
        </p>
        <footer className="unsaved__buttons">
          <span className="unsaved__gap" />
          <button type="button" data-testid="snapshots__confirm__cancel" ref={cancel} onClick={() => onAnswer(false)}>
            Cancel
          </button>
          <button type="button" className="primary" data-testid="snapshots__confirm__ok" onClick={() => onAnswer(true)}>
            {text.ok}
          </button>
        </footer>
      </div>
    </div>
  );
}
