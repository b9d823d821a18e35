import { useEffect, useMemo } from 'react';
import { getEngine, onEngineConnect } from '../api/engine';
import { followConnection } from '../api/connection';
import { useLabList } from '../lab/labList';
import { ConnectionBanner } from '../panels/ConnectionBanner';
import { useAppliedTheme } from '../store/theme';
import { ConsoleTerminal } from './ConsoleTerminal';
import { isLive } from './labs';

/** Keeps the page's lab list current: read on each (re)connection, then followed by the engine's events. */
function useLabListFeed(): void {
  useEffect(() => {
    const engine = getEngine();
    const off = engine.subscribe((event) => {
      if (event.type !== 'console') useLabList.getState().apply(event);
    });
    const offConnect = onEngineConnect(() => {
      void engine.request({ type: 'list' }).then((r) => {
        if (r.ok) useLabList.getState().setList(r.labs);
      });
    });
    return () => {
      off();
      offConnect();
    };
  }, []);
}

/**
 * One guest's console filling a window of its own (popped out of the Consoles tab): live while the guest runs,
 * what it printed once it stopped, and again from the start of the buffer when its lab is launched anew.
 */
export function ConsoleWindow({ lab, vm }: { lab: string; vm: string }) {
  const engine = useMemo(() => getEngine(), []);
  useAppliedTheme();
  useLabListFeed();
  useEffect(() => {
    followConnection();
    document.title = `${vm} · ${lab} · Qnet Studio`;
  }, [lab, vm]);
  const view = useLabList((s) => s.labs[lab]);
  const guest = view?.vms.find((v) => v.vm === vm);
  const state = guest?.state ?? (view ? 'waiting' : 'unknown');
  const live = !!view && isLive(view.state) && !!guest && guest.state !== 'stopped' && guest.state !== 'crashed';
  return (
    <div className="console-window" data-testid="console-window" data-lab={lab} data-vm={vm} data-state={state}>
      <header className="console-window__bar">
        <span className={`consoles__tab consoles__tab--${state}`}>
          <span className="consoles__dot" aria-hidden="true" />
          {vm}
        </span>
        <span className="consoles__lab-name">
          {lab} <span className="consoles__lab-state">{view ? view.state : 'not running'}</span>
        </span>
        <span className="consoles__hint">Ctrl+Shift+C copies the selection</span>
      </header>
      <div className="console-window__body">
        {guest && view ? (
          <ConsoleTerminal
            key={`${lab}/${vm}/${view.run}`}
            engine={engine}
            lab={lab}
            vm={vm}
            live={live}
            active
            vmState={guest.state}
            focusSeq={1}
          />
        ) : (
          <p className="consoles__empty" data-testid="console-window__waiting">
            {view ? `Waiting for ${vm}…` : `No lab ${lab} on this server. It shows here once it is launched.`}
          </p>
        )}
      </div>
      <ConnectionBanner />
    </div>
  );
}
