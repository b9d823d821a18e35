import { memo, useEffect, useRef, useState } from 'react';
import type { ToolbarGroup } from '../../shared/actions';
import { actionContext, useEnabled } from '../actions/context';
import { ACTIONS, type Action, type AppCommands } from '../actions/registry';
import { LabPicker } from '../lab/LabPicker';
import { useLab } from '../lab/labStore';
import { useEditor } from '../store/editor';

/** The toolbar's groups, left to right, as the catalogue places them; the exports share one menu so the bar fits a 1024-pixel window. */
const inGroup = (g: ToolbarGroup): readonly Action[] => ACTIONS.filter((a) => a.toolbar === g);
const GROUPS = {
  file: inGroup('file'),
  edit: inGroup('edit'),
  export: inGroup('export'),
  lab: inGroup('lab'),
  view: inGroup('view'),
};
const ON_TOOLBAR: readonly Action[] = Object.values(GROUPS).flat();
const THEME_LABEL = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' } as const;
/** The theme button shows a glyph (its name is in its label and tooltip): the bar must fit 1024 pixels. */
const THEME_ICON = { system: '◐', light: '☀', dark: '☾' } as const;

/** "Export ▾": scripts, SVG and PNG in a menu (Escape or a click elsewhere closes it). */
function ExportMenu({ run }: { run: (a: Action) => void }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const away = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    const key = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('pointerdown', away, true);
    document.addEventListener('keydown', key, true);
    root.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
    return () => {
      document.removeEventListener('pointerdown', away, true);
      document.removeEventListener('keydown', key, true);
    };
  }, [open]);
  return (
    <div className="toolbar__menu" ref={root}>
      <button
        type="button"
        data-testid="toolbar__export-menu"
        aria-haspopup="menu"
        aria-expanded={open}
        title="Export the scripts or a picture of the diagram"
        onClick={() => setOpen(!open)}
      >
        Export ▾
      </button>
      {open ? (
        <div className="toolbar__menu-items" role="menu" data-testid="toolbar__export-items">
          {GROUPS.export.map((a) => (
            <button
              key={a.name}
              type="button"
              role="menuitem"
              data-testid={`toolbar__${a.name}`}
              onClick={() => {
                setOpen(false);
                run(a);
              }}
            >
              {a.label}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}

/** The toolbar: buttons for the registry's actions, enabled by their predicates. */
export const Toolbar = memo(function Toolbar({ app }: { app: AppCommands }) {
  // Narrow: re-rendered when an action's predicate changes, not on every edit.
  const enabled = useEnabled(ON_TOOLBAR, () => actionContext(app));
  const title = useEditor((s) => s.fileName?.replace(/^.*[\\/]/, '') ?? `${s.doc.name}.qnet.yaml`);
  const dirty = useEditor((s) => s.dirty);
  const theme = useEditor((s) => s.theme);
  const labName = useLab((s) => s.lab);
  const run = (a: Action) => a.perform(actionContext(app));
  const button = (a: Action) => (
    <button
      key={a.name}
      type="button"
      data-testid={`toolbar__${a.name}`}
      disabled={!enabled(a)}
      title={
        a.name === 'theme'
          ? `${THEME_LABEL[theme]} (click for the next)`
          : `${a.name === 'stop' && labName ? `Stop lab ${labName}` : a.label}${a.keys ? ` (${a.keys})` : ''}`
      }
      onClick={() => run(a)}
      {...(a.name === 'theme'
        ? { 'data-theme-pref': theme, 'aria-label': THEME_LABEL[theme], className: 'toolbar__theme' }
        : {})}
    >
      {a.name === 'theme' ? THEME_ICON[theme] : a.label}
    </button>
  );
  return (
    <header className="toolbar" data-testid="toolbar">
      <span className="toolbar__brand" data-testid="toolbar__brand">
        Qnet Studio
      </span>
      {[GROUPS.file, GROUPS.edit].map((g) => (
        <div key={g[0]!.name} className="toolbar__group" role="group">
          {g.map(button)}
        </div>
      ))}
      <div className="toolbar__group" role="group">
        <ExportMenu run={run} />
      </div>
      <div className="toolbar__group" role="group">
        {GROUPS.lab.map(button)}
      </div>
      <LabPicker />
      <span className="toolbar__file" data-testid="toolbar__file" data-dirty={dirty} title={title}>
        {title}
        {dirty ? ' •' : ''}
      </span>
      {GROUPS.view.map(button)}
    </header>
  );
});
