import { describe, expect, it } from 'vitest';
import { createPanelsStore } from './panels';

describe('panels store', () => {
  it('starts on Problems, switches tabs', () => {
    const p = createPanelsStore();
    expect(p.getState().tab).toBe('problems');
    p.getState().showTab('log');
    expect(p.getState().tab).toBe('log');
  });

  it('openConsole shows the Consoles tab on that lab and guest and asks for the focus each time', () => {
    const p = createPanelsStore();
    p.getState().openConsole('p2p', 'server');
    expect(p.getState()).toMatchObject({ tab: 'consoles', consoleLab: 'p2p', consoleVm: 'server', focusSeq: 1 });
    p.getState().showTab('problems');
    p.getState().openConsole('p2p', 'server');
    expect(p.getState()).toMatchObject({ tab: 'consoles', focusSeq: 2 });
    p.getState().chooseConsoleVm('client');
    p.getState().chooseConsoleLab(null);
    expect(p.getState()).toMatchObject({ consoleLab: null, consoleVm: 'client', focusSeq: 2 });
  });
});
