import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { unsavedPrompt } from '../files/unsaved';

/** "Save the changes first?": asked before New, Open or an example replaces a document with unsaved changes. */
export function UnsavedDialog() {
  const question = useStore(unsavedPrompt.store, (s) => s.question);
  const save = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!question) return;
    save.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      unsavedPrompt.answer('cancel');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [question]);
  if (!question) return null;
  const { answer } = unsavedPrompt;
  return (
    <div className="modal modal--front" data-testid="unsaved" onClick={() => answer('cancel')}>
      <div
        className="modal__body unsaved"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="unsaved__title"
        aria-describedby="unsaved__text"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="unsaved__title">
          Save the changes to <span data-testid="unsaved__file">{question.file}</span> before {question.next}?
        </h2>
        <p id="unsaved__text" className="muted">
          Your changes are lost if you don&apos;t save them.
        </p>
        <footer className="unsaved__buttons">
          <button type="button" data-testid="unsaved__discard" onClick={() => answer('discard')}>
            Don&apos;t Save
          </button>
          <span className="unsaved__gap" />
          <button type="button" data-testid="unsaved__cancel" onClick={() => answer('cancel')}>
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            data-testid="unsaved__save"
            ref={save}
            onClick={() => answer('save')}
          >
            Save
          </button>
        </footer>
      </div>
    </div>
  );
}
