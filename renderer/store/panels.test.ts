import { describe, expect, it } from 'vitest';
import { BOTTOM_HEIGHT, clampHeight, createPanelsStore } from './panels';

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

describe('bottom panel size and console layout', () => {
  it('keeps the height in range and whole', () => {
    const p = createPanelsStore();
    expect(p.getState().bottomHeight).toBe(BOTTOM_HEIGHT.initial);
    p.getState().setBottomHeight(10);
    expect(p.getState().bottomHeight).toBe(BOTTOM_HEIGHT.min);
    p.getState().setBottomHeight(412.6);
    expect(p.getState().bottomHeight).toBe(413);
    p.getState().setBottomHeight(Number.NaN);
    expect(p.getState().bottomHeight).toBe(BOTTOM_HEIGHT.initial);
    expect(clampHeight(1e9)).toBe(BOTTOM_HEIGHT.max);
  });

  it('switches between tabs and side by side', () => {
    const p = createPanelsStore();
    expect(p.getState().consoleLayout).toBe('tabs');
    p.getState().setConsoleLayout('side');
    expect(p.getState().consoleLayout).toBe('side');
  });
});
