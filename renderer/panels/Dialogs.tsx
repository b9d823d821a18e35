import { useEffect } from 'react';
import { editor, useEditor } from '../store/editor';

/** Why a file could not be opened: the loader's errors (file:line: node, field, message). */
export function OpenErrorsDialog() {
  const errors = useEditor((s) => s.openErrors);
  if (!errors) return null;
  const close = () => editor.getState().setOpenErrors(null);
  return (
    <div className="modal" role="alertdialog" aria-label="Cannot open file" data-testid="open-errors" onClick={close}>
      <div className="modal__body" onClick={(e) => e.stopPropagation()}>
        <header className="modal__head">
          <h2>Cannot open {errors.file}</h2>
          <button type="button" onClick={close}>
            Close
          </button>
        </header>
        <p className="muted">Nothing was lost: the document that was open is still open.</p>
        <ul className="open-errors">
          {errors.lines.map((l, i) => (
            <li key={i}>
              <code>{l}</code>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

/** The last notice (a refused link, a saved file), fading after a while. */
export function NoticeBar() {
  const notice = useEditor((s) => s.notice);
  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => {
      if (editor.getState().notice?.seq === notice.seq) editor.setState({ notice: null });
    }, 8000);
    return () => clearTimeout(t);
  }, [notice]);
  if (!notice) return null;
  return (
    <div className={`notice notice--${notice.kind}`} role="status" data-testid="notice">
      {notice.text}
    </div>
  );
}
