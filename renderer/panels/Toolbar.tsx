import { memo } from 'react';
import { ACTIONS, type AppCommands } from '../actions/registry';
import { useConnection } from '../api/connection';
import { isActive, useLab } from '../lab/labStore';
import { editor, useEditor } from '../store/editor';

const SHOWN = [
  'new',
  'open',
  'import',
  'save',
  'examples',
  'undo',
  'redo',
  'export',
  'export-svg',
  'export-png',
  'validate',
  'launch',
  'stop',
  'theme',
];
const THEME_LABEL = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' } as const;

/** The toolbar: buttons for the registry's actions, enabled by their predicates. */
export const Toolbar = memo(function Toolbar({ app }: { app: AppCommands }) {
  // Narrow: only what the predicates read.
  const canUndo = useEditor((s) => s.history.past.length > 0);
  const canRedo = useEditor((s) => s.history.future.length > 0);
  const title = useEditor((s) => s.fileName?.replace(/^.*[\\/]/, '') ?? `${s.doc.name}.qnet.yaml`);
  const dirty = useEditor((s) => s.dirty);
  const theme = useEditor((s) => s.theme);
  const ready = useEditor((s) => s.probed !== null);
  const labName = useLab((s) => s.lab);
  const labState = useLab((s) => s.state);
  const busy = useLab((s) => s.busy);
  const active = isActive(labState);
  const offline = useConnection((s) => s.status.state === 'disconnected');
  const enabled: Record<string, boolean> = {
    undo: canUndo,
    redo: canRedo,
    validate: ready && busy === null,
    launch: ready && !active && busy === null,
    stop: labName !== null && (active || labState === 'failed') && busy !== 'stop',
  };
  return (
    <header className="toolbar" data-testid="toolbar">
      <span className="toolbar__brand">Qnet Studio</span>
      {ACTIONS.filter((a) => SHOWN.includes(a.name)).map((a) => (
        <button
          key={a.name}
          type="button"
          data-testid={`toolbar__${a.name}`}
          disabled={enabled[a.name] === false}
          title={a.keys ? `${a.label} (${a.keys})` : a.label}
          onClick={() => a.perform({ state: editor.getState(), app })}
          {...(a.name === 'theme' ? { 'data-theme-pref': theme } : {})}
        >
          {a.name === 'theme' ? THEME_LABEL[theme] : a.label}
        </button>
      ))}
      <span
        className={`toolbar__lab lab-state-${labState ?? 'idle'}`}
        data-testid="toolbar__lab-state"
        data-state={labState ?? 'idle'}
        data-busy={busy ?? ''}
        data-offline={offline}
        title={
          offline
            ? 'Disconnected from the server: the state shown is the last one seen'
            : labName
              ? `Lab ${labName}: ${labState ?? 'idle'}`
              : 'No lab running'
        }
      >
        {labName ? `${labName}: ${busy === 'stop' ? 'stopping' : (labState ?? 'idle')}` : 'no lab'}
        {offline ? ' (disconnected)' : ''}
      </span>
      <span className="toolbar__file" data-testid="toolbar__file" data-dirty={dirty}>
        {title}
        {dirty ? ' •' : ''}
      </span>
    </header>
  );
});
