import { useCallback, useEffect, useState } from 'react';
import { SNAPSHOT_NAME } from '../../shared/api';
import { SnapshotConfirm, type SnapshotQuestion } from './SnapshotConfirm';
import { closeSnapshots, deleteSnapshot, loadSnapshot, saveSnapshot, useSnapshots } from './snapshots';

/**
 * The followed lab's snapshots: each with its date, a Restore and a Delete button, and a name to save every guest's state
 * under now (an existing name is replaced). Restore, Delete and a replacing save ask first (SnapshotConfirm). Escape
 * or a click outside closes it.
 */
export function SnapshotDialog() {
  const { lab, snapshots, busy, error } = useSnapshots();
  const [name, setName] = useState('');
  const [question, setQuestion] = useState<SnapshotQuestion | null>(null);
  const onAnswer = useCallback(
    (ok: boolean) => {
      setQuestion(null);
      if (!ok || question === null) return;
      const run = { load: loadSnapshot, delete: deleteSnapshot, save: saveSnapshot }[question.action];
      void run(question.name);
    },
    [question],
  );
  useEffect(() => {
    if (!lab) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      closeSnapshots();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [lab]);
  if (!lab) return null;
  const valid = SNAPSHOT_NAME.test(name);
  const save = () => {
    if (snapshots.some((s) => s.name === name)) setQuestion({ action: 'save', name });
    else void saveSnapshot(name);
  };
  return (
    <div className="modal modal--front" data-testid="snapshots" onClick={closeSnapshots}>
      <div
        className="modal__body"
        role="dialog"
        aria-modal="true"
        aria-labelledby="snapshots__title"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="snapshots__title">Snapshots of {lab}</h2>
        <p className="muted">
          A snapshot saves every guest's memory, devices and disks. Each guest must be running and write only qcow2
          disks that stay: an image without snapshot, or a linked clone (kept, to keep its snapshots across launches).
        </p>
        {snapshots.length === 0 ? (
          <p className="muted" data-testid="snapshots__none">
            {busy === 'list' ? 'Reading…' : 'No snapshots yet.'}
          </p>
        ) : (
          <ul className="trust__items">
            {snapshots.map((s) => (
              <li key={s.name} data-testid="snapshots__item" data-name={s.name}>
                <code>{s.name}</code> {new Date(s.date).toLocaleString()}{' '}
                <button
                  type="button"
                  data-testid={`snapshots__load__${s.name}`}
                  disabled={busy !== null}
                  onClick={() => setQuestion({ action: 'load', name: s.name })}
                >
                  Restore
                </button>{' '}
                <button
                  type="button"
                  data-testid={`snapshots__delete__${s.name}`}
                  disabled={busy !== null}
                  onClick={() => setQuestion({ action: 'delete', name: s.name })}
                >
                  Delete
                </button>
              </li>
            ))}
          </ul>
        )}
        {error ? (
          <p className="field__error" role="alert" data-testid="snapshots__error">
            {error}
          </p>
        ) : null}
        <footer className="unsaved__buttons">
          <input
            aria-label="Snapshot name"
            data-testid="snapshots__name"
            placeholder="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && valid && busy === null) save();
            }}
          />
          <button
            type="button"
            data-testid="snapshots__save"
            disabled={!valid || busy !== null}
            title={valid ? undefined : 'letters, digits, dots, dashes or underscores'}
            onClick={save}
          >
            {busy === 'save' ? 'Saving…' : 'Save snapshot'}
          </button>
          <span className="unsaved__gap" />
          <button type="button" data-testid="snapshots__close" onClick={closeSnapshots}>
            Close
          </button>
        </footer>
      </div>
      {question ? <SnapshotConfirm lab={lab} question={question} onAnswer={onAnswer} /> : null}
    </div>
  );
}
