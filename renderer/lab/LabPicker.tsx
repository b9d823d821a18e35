import { memo, useEffect, useRef, useState } from 'react';
import { useConnection } from '../api/connection';
import { isLive } from '../consoles/labs';
import { useLabList } from './labList';
import { useLab } from './labStore';
import { showLab } from './labSync';

/**
 * The toolbar's lab pill: the followed lab (the drawn document's) and its state. A click lists every lab the
 * engine has, running first; picking one shows its drawing and follows it.
 */
export const LabPicker = memo(function LabPicker() {
  const labName = useLab((s) => s.lab);
  const labState = useLab((s) => s.state);
  const busy = useLab((s) => s.busy);
  const labs = useLabList((s) => s.labs);
  const offline = useConnection((s) => s.status.state === 'disconnected');
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('pointerdown', close, true);
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('pointerdown', close, true);
      document.removeEventListener('keydown', onKey, true);
    };
  }, [open]);
  const all = Object.values(labs).sort(
    (a, b) => Number(isLive(b.state)) - Number(isLive(a.state)) || a.lab.localeCompare(b.lab),
  );
  const others = all.filter((l) => l.lab !== labName && isLive(l.state)).length;
  const state = labState ?? 'idle';
  return (
    <div className="lab-picker" ref={root}>
      <button
        type="button"
        className={`toolbar__lab lab-state-${state}`}
        data-testid="toolbar__lab-state"
        data-state={state}
        data-busy={busy ?? ''}
        data-offline={offline}
        aria-haspopup="menu"
        aria-expanded={open}
        title={
          offline
            ? 'Disconnected from the server: the state shown is the last one seen'
            : `${labName ? `This document's lab ${labName}: ${state}` : 'This document has no lab running'}; click for every lab`
        }
        onClick={() => setOpen((o) => !o)}
      >
        {labName ? `${labName}: ${busy === 'stop' ? 'stopping' : state}` : 'no lab'}
        {others > 0 ? ` (+${others} running)` : ''}
        {offline ? ' (disconnected)' : ''}
      </button>
      {open ? (
        <ul className="lab-picker__menu" role="menu" data-testid="labs">
          {all.length === 0 ? <li className="muted">No lab on the server</li> : null}
          {all.map((l) => (
            <li key={l.lab}>
              <button
                type="button"
                role="menuitem"
                data-testid={`labs__item__${l.lab}`}
                data-state={l.state}
                data-current={l.lab === labName}
                onClick={() => {
                  setOpen(false);
                  void showLab(l.lab);
                }}
              >
                <span className={`lab-picker__dot lab-state-${l.state}`} aria-hidden="true" />
                {l.lab}{' '}
                <span className="muted">
                  {l.state}
                  {l.lab === labName ? ' · shown' : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
});
