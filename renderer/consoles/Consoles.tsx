import { useEffect, useMemo } from 'react';
import { getEngine } from '../api/engine';
import { useLabList } from '../lab/labList';
import { usePanels } from '../store/panels';
import { ConsoleTerminal } from './ConsoleTerminal';
import { defaultLab, isLive } from './labs';

/** The Consoles tab: the guests of the running lab (or the last one seen), one xterm.js terminal each. */
export function Consoles() {
  const engine = useMemo(() => getEngine(), []);
  const labs = useLabList((s) => s.labs);
  // In the panels store: a canvas node's "Open console" picks the guest.
  const chosenLab = usePanels((s) => s.consoleLab);
  const chosenVm = usePanels((s) => s.consoleVm);
  const focusSeq = usePanels((s) => s.focusSeq);
  const { chooseConsoleLab, chooseConsoleVm } = usePanels.getState();

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
  return (
    <div className="consoles" data-testid="consoles" data-lab={lab.lab} data-state={lab.state}>
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
              <span className="consoles__dot" aria-hidden="true" />
              {v.vm}
            </button>
          ))}
        </div>
        <span className="consoles__hint">Ctrl+Shift+C copies the selection</span>
      </div>
      <div className="consoles__body">
        {vms.length === 0 ? <p className="consoles__empty">Waiting for the guests…</p> : null}
        {vms.map((v) => (
          <ConsoleTerminal
            key={`${lab.lab}/${v.vm}/${lab.run}`}
            engine={engine}
            lab={lab.lab}
            vm={v.vm}
            live={live && v.state !== 'stopped' && v.state !== 'crashed'}
            active={v.vm === vm}
            vmState={v.state}
            focusSeq={focusSeq}
          />
        ))}
      </div>
    </div>
  );
}
