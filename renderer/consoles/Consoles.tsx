import { useEffect, useMemo } from 'react';
import { getEngine } from '../api/engine';
import { useLabList } from '../lab/labList';
import { usePanels } from '../store/panels';
import { ConsoleTerminal } from './ConsoleTerminal';
import { defaultLab, isLive, type GuestView } from './labs';
import { popOutConsole } from './popout';

function PopOut({ lab, vm }: { lab: string; vm: string }) {
  return (
    <button
      type="button"
      className="consoles__popout"
      data-testid={`consoles__popout__${vm}`}
      title={`Open ${vm}'s console in a window of its own`}
      onClick={() => popOutConsole(lab, vm)}
    >
      Pop out
    </button>
  );
}

function GuestLabel({ guest }: { guest: GuestView }) {
  return (
    <>
      <span className="consoles__dot" aria-hidden="true" />
      {guest.vm}
    </>
  );
}

/**
 * The Consoles tab: the guests of the running lab (or the last one seen), one xterm.js terminal each, shown one at
 * a time behind tabs or all side by side; any of them can be popped out into a window of its own.
 */
export function Consoles() {
  const engine = useMemo(() => getEngine(), []);
  const labs = useLabList((s) => s.labs);
  // In the panels store: a canvas node's "Open console" picks the guest.
  const chosenLab = usePanels((s) => s.consoleLab);
  const chosenVm = usePanels((s) => s.consoleVm);
  const focusSeq = usePanels((s) => s.focusSeq);
  const layout = usePanels((s) => s.consoleLayout);
  const { chooseConsoleLab, chooseConsoleVm, setConsoleLayout } = usePanels.getState();

  const labName = chosenLab && labs[chosenLab] ? chosenLab : defaultLab(labs);
  const lab = labName ? labs[labName] : undefined;
  const vms = lab?.vms ?? [];
  const vm = chosenVm && vms.some((v) => v.vm === chosenVm) ? chosenVm : (vms[0]?.vm ?? null);

  // A live lab is preferred over a stopped one the user had picked before.
  useEffect(() => {
    if (
      chosenLab &&
      labs[chosenLab] &&
      !isLive(labs[chosenLab].state) &&
      Object.values(labs).some((l) => isLive(l.state))
    )
      chooseConsoleLab(null);
  }, [labs, chosenLab, chooseConsoleLab]);

  if (!lab) {
    return (
      <div className="consoles consoles--empty" data-testid="consoles">
        <p className="consoles__empty">No lab is running. Launch one and each guest&apos;s console appears here.</p>
      </div>
    );
  }
  const live = isLive(lab.state);
  const names = Object.keys(labs);
  const side = layout === 'side';
  const terminal = (v: GuestView, active: boolean) => (
    <ConsoleTerminal
      key={`${lab.lab}/${v.vm}/${lab.run}`}
      engine={engine}
      lab={lab.lab}
      vm={v.vm}
      live={live && v.state !== 'stopped' && v.state !== 'crashed'}
      active={active}
      vmState={v.state}
      focusSeq={v.vm === vm ? focusSeq : 0}
    />
  );
  return (
    <div className="consoles" data-testid="consoles" data-lab={lab.lab} data-state={lab.state} data-layout={layout}>
      <div className="consoles__bar">
        {names.length > 1 ? (
          <select
            className="consoles__lab"
            data-testid="consoles__lab"
            value={lab.lab}
            onChange={(e) => chooseConsoleLab(e.target.value)}
            aria-label="Lab"
          >
            {names.map((n) => (
              <option key={n} value={n}>
                {n} ({labs[n]!.state})
              </option>
            ))}
          </select>
        ) : (
          <span className="consoles__lab-name" title={`lab ${lab.lab}: ${lab.state}`}>
            {lab.lab} <span className="consoles__lab-state">{lab.state}</span>
          </span>
        )}
        {side ? null : (
          <div className="consoles__tabs" role="tablist" aria-label="Guests">
            {vms.map((v) => (
              <button
                key={v.vm}
                type="button"
                role="tab"
                aria-selected={v.vm === vm}
                className={`consoles__tab consoles__tab--${v.state}`}
                data-testid={`consoles__tab__${v.vm}`}
                data-state={v.state}
                title={`${v.vm}: ${v.state}`}
                onClick={() => chooseConsoleVm(v.vm)}
              >
                <GuestLabel guest={v} />
              </button>
            ))}
          </div>
        )}
        {!side && vm ? <PopOut lab={lab.lab} vm={vm} /> : null}
        <span className="consoles__hint">Ctrl+Shift+C copies the selection</span>
        <button
          type="button"
          className="consoles__layout"
          data-testid="consoles__layout"
          aria-pressed={side}
          title={side ? 'Show one console at a time' : "Show every guest's console side by side"}
          onClick={() => setConsoleLayout(side ? 'tabs' : 'side')}
        >
          {side ? 'One at a time' : 'Side by side'}
        </button>
      </div>
      {vms.length === 0 ? <p className="consoles__empty">Waiting for the guests…</p> : null}
      {side ? (
        <div className="consoles__grid" data-testid="consoles__grid">
          {vms.map((v) => (
            <section key={v.vm} className="consoles__pane" data-testid={`consoles__pane__${v.vm}`}>
              <header className={`consoles__pane-bar consoles__tab--${v.state}`} data-state={v.state}>
                <GuestLabel guest={v} />
                <PopOut lab={lab.lab} vm={v.vm} />
              </header>
              <div className="consoles__body">{terminal(v, true)}</div>
            </section>
          ))}
        </div>
      ) : (
        <div className="consoles__body">{vms.map((v) => terminal(v, v.vm === vm))}</div>
      )}
    </div>
  );
}
