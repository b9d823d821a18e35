import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useShortcuts } from './actions/useShortcuts';
import { Canvas } from './canvas/Canvas';
import { Consoles } from './consoles/Consoles';
import { appCommands, openText } from './files/commands';
import { Inspector } from './inspector/Inspector';
import { startLabSync } from './lab/labActions';
import { LabLog } from './panels/LabLog';
import { Commands } from './panels/Commands';
import { NoticeBar, OpenErrorsDialog } from './panels/Dialogs';
import { Gallery } from './panels/Gallery';
import { Palette } from './panels/Palette';
import { Problems, useProblemCount } from './panels/Problems';
import { Toolbar } from './panels/Toolbar';
import { useProbe } from './plan/useProbe';
import { useEditor } from './store/editor';
import { useAppliedTheme } from './store/theme';

type Tab = 'problems' | 'commands' | 'consoles' | 'log';

function BottomPanel() {
  const [tab, setTab] = useState<Tab>('problems');
  const { errors, warnings } = useProblemCount();
  return (
    <section className="bottom" data-testid="bottom-panel">
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === 'problems'} data-testid="tab__problems" onClick={() => setTab('problems')}>
          Problems{' '}
          <span className={`badge${errors ? ' badge--error' : warnings ? ' badge--warning' : ''}`} data-testid="tab__problems__count">
            {errors + warnings}
          </span>
        </button>
        <button type="button" role="tab" aria-selected={tab === 'commands'} data-testid="tab__commands" onClick={() => setTab('commands')}>
          Commands
        </button>
        <button type="button" role="tab" aria-selected={tab === 'consoles'} data-testid="tab__consoles" onClick={() => setTab('consoles')}>
          Consoles
        </button>
        <button type="button" role="tab" aria-selected={tab === 'log'} data-testid="tab__log" onClick={() => setTab('log')}>
          Log
        </button>
      </div>
      <div className="tab-body">{tab === 'problems' ? <Problems /> : tab === 'commands' ? <Commands /> : tab === 'log' ? <LabLog /> : <Consoles />}</div>
    </section>
  );
}

/** The editor window: toolbar, palette, canvas, inspector, problems and commands. */
export function App() {
  const fileInput = useRef<HTMLInputElement>(null);
  const app = useMemo(() => appCommands(() => fileInput.current), []);
  useShortcuts(app);
  useAppliedTheme();
  useEffect(() => {
    const stopSync = startLabSync();
    return () => stopSync();
  }, []);
  const probeError = useProbe();
  const ready = useEditor((s) => s.probed !== null);
  return (
    <ReactFlowProvider>
      <div className="app" data-testid="app" data-ready={ready}>
        <Toolbar app={app} />
        <Palette />
        <main className="center">
          <Canvas />
          <NoticeBar />
        </main>
        <Inspector />
        <BottomPanel />
      </div>
      {probeError ? <div className="banner">{probeError}</div> : null}
      <Gallery />
      <OpenErrorsDialog />
      <input
        ref={fileInput}
        type="file"
        accept=".yaml,.yml"
        hidden
        data-testid="file-input"
        onChange={async (e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) await openText(await file.text(), file.name);
        }}
      />
    </ReactFlowProvider>
  );
}
