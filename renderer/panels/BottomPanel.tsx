import type { ReactNode } from 'react';
import { Consoles } from '../consoles/Consoles';
import { usePanels, type BottomTab } from '../store/panels';
import { Commands } from './Commands';
import { LabLog } from './LabLog';
import { Packets } from './Packets';
import { PanelGrip } from './PanelGrip';
import { Problems, useProblemCount } from './Problems';

function TabButton({ tab, children }: { tab: BottomTab; children: ReactNode }) {
  const selected = usePanels((s) => s.tab === tab);
  return (
    <button
      type="button"
      role="tab"
      aria-selected={selected}
      data-testid={`tab__${tab}`}
      onClick={() => usePanels.getState().showTab(tab)}
    >
      {children}
    </button>
  );
}

/** The bottom panel: Problems, Commands, Consoles, Log and Packets tabs (the tab lives in the panels store). */
export function BottomPanel() {
  const tab = usePanels((s) => s.tab);
  const { errors, warnings } = useProblemCount();
  return (
    <section className="bottom-panel" data-testid="bottom-panel">
      <PanelGrip />
      <div className="tabs" role="tablist">
        <TabButton tab="problems">
          Problems{' '}
          <span
            className={`badge${errors ? ' badge--error' : warnings ? ' badge--warning' : ''}`}
            data-testid="tab__problems__count"
          >
            {errors + warnings}
          </span>
        </TabButton>
        <TabButton tab="commands">Commands</TabButton>
        <TabButton tab="consoles">Consoles</TabButton>
        <TabButton tab="log">Log</TabButton>
        <TabButton tab="packets">Packets</TabButton>
      </div>
      <div className="tab-body">
        {tab === 'problems' ? (
          <Problems />
        ) : tab === 'commands' ? (
          <Commands />
        ) : tab === 'log' ? (
          <LabLog />
        ) : tab === 'packets' ? (
          <Packets />
        ) : (
          <Consoles />
        )}
      </div>
    </section>
  );
}
