import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { visibleText } from '../../shared/model/visible';
import { trustPrompt } from './trustPrompt';

/**
 * "This lab runs things on your host": before the first launch of a document whose content runs host programs or
 * reaches host files, exactly the items the engine listed (control and bidi characters shown escaped, so no value can
 * hide or reorder another), and a choice. Cancel is the default: nothing launches.
 */
export function TrustDialog() {
  const question = useStore(trustPrompt.store, (s) => s.question);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!question) return;
    cancel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      trustPrompt.answer('cancel');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [question]);
  if (!question) return null;
  const { answer } = trustPrompt;
  return (
    <div className="modal modal--front" data-testid="trust" onClick={() => answer('cancel')}>
      <div
        className="modal__body trust"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="trust__title"
        aria-describedby="trust__text"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="trust__title">
          Launch <span data-testid="trust__lab">{question.lab}</span>? It runs things on this host
        </h2>
        <p id="trust__text" className="muted">
          A topology from elsewhere is code. This one runs programs, reaches files, devices or interfaces, or opens
          ports of this machine. Launch it only if you trust where it came from. Your answer is remembered for this
          content; an edit of it asks again.
        </p>
        <ul className="trust__items">
          {question.items.map((item, i) => (
            <li key={i} data-testid="trust__item" data-node={item.node} data-field={item.field}>
              <code>
                {item.node} · {item.field}
              </code>{' '}
              {visibleText(item.what)}
            </li>
          ))}
        </ul>
        <footer className="unsaved__buttons">
          <span className="unsaved__gap" />
          <button type="button" data-testid="trust__cancel" ref={cancel} onClick={() => answer('cancel')}>
            Cancel
          </button>
          <button type="button" className="danger" data-testid="trust__trust" onClick={() => answer('trust')}>
            Trust and launch
          </button>
        </footer>
      </div>
    </div>
  );
}
