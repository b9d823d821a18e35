import { useEffect, useState } from 'react';
import type { ExampleFile } from '../../shared/web-api';
import { fetchExamples } from '../api/client';
import { openText } from '../files/commands';
import { editor, useEditor } from '../store/editor';

function describe(text: string): { name: string; description: string } {
  const name = /^name:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? '';
  const desc =
    /^description:\s*>-?\s*\n((?:\s{2,}.*\n?)+)/m.exec(text)?.[1] ?? /^description:\s*(.+)$/m.exec(text)?.[1] ?? '';
  return { name, description: desc.replace(/\s+/g, ' ').trim() };
}

/** The examples of assets/examples, from the server; opening one replaces the document (one undo step). */
export function Gallery() {
  const open = useEditor((s) => s.galleryOpen);
  const [examples, setExamples] = useState<readonly ExampleFile[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!open || examples) return;
    fetchExamples().then(
      (r) => setExamples(r.examples),
      (e: Error) => setError(e.message),
    );
  }, [open, examples]);
  if (!open) return null;
  const close = () => editor.getState().setGalleryOpen(false);
  return (
    <div className="modal" role="dialog" aria-label="Examples" data-testid="gallery" onClick={close}>
      <div className="modal__body" onClick={(e) => e.stopPropagation()}>
        <header className="modal__head">
          <h2>Examples</h2>
          <button type="button" onClick={close} data-testid="gallery__close">
            Close
          </button>
        </header>
        {error ? <p className="problem severity-error">{error}</p> : null}
        {!examples && !error ? <p className="muted">Loading…</p> : null}
        <ul className="gallery">
          {(examples ?? []).map((ex) => {
            const { name, description } = describe(ex.text);
            return (
              <li key={ex.file}>
                <button
                  type="button"
                  className="gallery__item"
                  data-testid={`gallery__item__${ex.file.replace(/\.qnet\.yaml$/, '')}`}
                  onClick={async () => {
                    if (await openText(ex.text, ex.file)) close();
                  }}
                >
                  <strong>{name || ex.file}</strong>
                  <span className="muted">{ex.file}</span>
                  <span>{description}</span>
                </button>
              </li>
            );
          })}
        </ul>
      </div>
    </div>
  );
}
