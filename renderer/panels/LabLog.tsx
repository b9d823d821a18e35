import { memo, useEffect, useRef } from 'react';
import { useLab, type LabLogLine } from '../lab/labStore';

const STEP_VERB: Record<string, string> = {
  running: 'running',
  done: 'done',
  failed: 'FAILED',
  undoing: 'undoing',
  undone: 'undone',
  'undo-failed': 'UNDO FAILED',
};

function lineText(l: LabLogLine): string {
  if (l.kind === 'log') return l.message;
  const head = `[step ${l.index + 1}/${l.total}] ${l.description}: ${STEP_VERB[l.status] ?? l.status}`;
  return l.detail ? `${head}\n${l.detail}` : head;
}

/** The followed lab's log: each host step (running, done, undone) and the engine's log lines, newest last. */
export const LabLog = memo(function LabLog() {
  const log = useLab((s) => s.log);
  const lab = useLab((s) => s.lab);
  const end = useRef<HTMLLIElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'nearest' });
  }, [log]);
  if (!lab)
    return (
      <div className="muted" data-testid="log__empty">
        No lab yet: press Launch.
      </div>
    );
  return (
    <ul className="lab-log" data-testid="log">
      {log.map((l, i) => (
        <li
          key={i}
          className={l.kind === 'log' ? `level-${l.level}` : `step-${l.status}`}
          data-testid={l.kind === 'log' ? 'log__line' : 'log__step'}
          {...(l.kind === 'step' ? { 'data-status': l.status, 'data-index': l.index } : { 'data-level': l.level })}
        >
          {lineText(l)}
        </li>
      ))}
      <li ref={end} aria-hidden="true" />
    </ul>
  );
});
