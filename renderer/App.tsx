import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, useMemo, useRef, type CSSProperties } from 'react';
import { useShortcuts } from './actions/useShortcuts';
import { Canvas } from './canvas/Canvas';
import { useDesktop } from './desktop/useDesktop';
import { appCommands, openText } from './files/commands';
import { importText } from './files/importText';
import { usePasteImport } from './files/usePasteImport';
import { useUnloadGuard } from './files/useUnloadGuard';
import { Inspector } from './inspector/Inspector';
import { startLabSync } from './lab/labSync';
import { TrustDialog } from './lab/TrustDialog';
import { SnapshotDialog } from './lab/SnapshotDialog';
import { followConnection } from './api/connection';
import { BottomPanel } from './panels/BottomPanel';
import { ConnectionBanner } from './panels/ConnectionBanner';
import { NoticeBar, OpenErrorsDialog } from './panels/Dialogs';
import { Gallery } from './panels/Gallery';
import { Palette } from './panels/Palette';
import { Toolbar } from './panels/Toolbar';
import { UnsavedDialog } from './panels/UnsavedDialog';
import { useProbe } from './plan/useProbe';
import { useEditor } from './store/editor';
import { usePanels } from './store/panels';
import { useAppliedTheme } from './store/theme';

/** The editor window: toolbar, palette, canvas, inspector, problems and commands. */
export function App() {
  const fileInput = useRef<HTMLInputElement>(null);
  const importInput = useRef<HTMLInputElement>(null);
  const app = useMemo(
    () =>
      appCommands(
        () => fileInput.current,
        undefined,
        () => importInput.current,
      ),
    [],
  );
  useShortcuts(app);
  usePasteImport();
  useDesktop(app);
  useUnloadGuard();
  useAppliedTheme();
  useEffect(() => {
    followConnection();
    const stopSync = startLabSync();
    return () => stopSync();
  }, []);
  const probeError = useProbe();
  const ready = useEditor((s) => s.probed !== null);
  const bottomHeight = usePanels((s) => s.bottomHeight);
  return (
    <ReactFlowProvider>
      <div
        className="app"
        data-testid="app"
        data-ready={ready}
        style={{ '--bottom-height': `${bottomHeight}px` } as CSSProperties}
      >
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
      <ConnectionBanner />
      <Gallery />
      <OpenErrorsDialog />
      <UnsavedDialog />
      <TrustDialog />
      <SnapshotDialog />
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
      <input
        ref={importInput}
        type="file"
        accept=".sh,.args,.txt,.bash,text/plain,application/x-shellscript"
        hidden
        data-testid="import-input"
        onChange={async (e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) importText(await file.text(), file.name);
        }}
      />
    </ReactFlowProvider>
  );
}
