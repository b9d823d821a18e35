import { useEffect, useState } from 'react';
import { SNAPSHOT_NAME } from '../../shared/api';
import { closeSnapshots, deleteSnapshot, loadSnapshot, saveSnapshot, useSnapshots } from './snapshots';

/**
 * The followed lab's snapshots: each with its date, a Restore and a Delete button, and a name to save every guest's state
 * under now (an existing name is replaced). Escape or a click outside closes it.
 */
export function SnapshotDialog() {
  const { lab, snapshots, busy, error } = useSnapshots();
  const [name, setName] = useState('');
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
                  onClick={() => void loadSnapshot(s.name)}
                >
                  Restore
                </button>{' '}
                <button
                  type="button"
                  data-testid={`snapshots__delete__${s.name}`}
                  disabled={busy !== null}
                  onClick={() => void deleteSnapshot(s.name)}
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
              if (e.key === 'Enter' && valid && busy === null) void saveSnapshot(name);
            }}
          />
          <button
            type="button"
            data-testid="snapshots__save"
            disabled={!valid || busy !== null}
            title={valid ? undefined : 'letters, digits, dots, dashes or underscores'}
            onClick={() => void saveSnapshot(name)}
          >
            {busy === 'save' ? 'Saving…' : 'Save snapshot'}
          </button>
          <span className="unsaved__gap" />
          <button type="button" data-testid="snapshots__close" onClick={closeSnapshots}>
            Close
          </button>
        </footer>
      </div>
    </div>
  );
}
