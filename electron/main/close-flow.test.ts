import type { BrowserWindow, WebContents } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { LabStatus, Result } from '../../shared/api';
import { fakeLab } from '../testkit/control-fake';
import { CloseFlow } from './close-flow';
import { CLEAN_DOCUMENT, type DocumentState } from './dialogs';
import { fake, type FakeBrowserWindow } from '../testkit/electron-fake';

vi.mock('electron', async () => (await import('../testkit/electron-fake')).fake.module);

/** Lets the prompts' promises run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

let documents: Map<number, DocumentState>;
let labs: LabStatus[];
let saved: number[];
let flow: CloseFlow;
const stopLab = vi.fn(async (lab: string): Promise<Result> => {
  labs = labs.filter((l) => l.lab !== lab);
  return { ok: true };
});

function open(document: DocumentState = CLEAN_DOCUMENT): FakeBrowserWindow {
  const win = new fake.module.BrowserWindow({});
  documents.set(win.webContents.id, document);
  flow.watch(win as unknown as BrowserWindow);
  return win;
}
const live = () => fake.windows.filter((w) => !w.destroyed);
const questions = () =>
  fake.dialogCalls.filter((c) => c.kind === 'box').map((c) => (c.options as { message: string }).message);

beforeEach(() => {
  fake.reset();
  stopLab.mockClear();
  documents = new Map();
  labs = [];
  saved = [];
  flow = new CloseFlow({
    windows: () => live() as unknown as BrowserWindow[],
    focused: () => (fake.module.BrowserWindow.getFocusedWindow() as unknown as BrowserWindow) ?? null,
    document: (contents: WebContents) => documents.get(contents.id) ?? CLEAN_DOCUMENT,
    labs: async () => labs,
    stopLab,
    save: (contents) => saved.push(contents.id),
    quit: () => fake.module.app.quit(),
  });
});

describe('closing one window of several', () => {
  it('closes a clean window without asking, and does not ask about the labs while another window follows them', async () => {
    labs = [fakeLab('p2p', '/s', 'running')];
    const [a, b] = [open(), open()];
    a.close();
    await settle();
    expect(a.destroyed).toBe(true);
    expect(b.destroyed).toBe(false);
    expect(questions()).toEqual([]);
    expect(stopLab).not.toHaveBeenCalled();
  });

  it('asks about its own unsaved changes only, on itself: Cancel keeps it, Don’t Save closes it', async () => {
    const a = open({ dirty: true, path: '/labs/a.qnet.yaml' });
    const b = open({ dirty: true, path: '/labs/b.qnet.yaml' });
    fake.dialogAnswers.boxes.push(2, 1);
    a.close();
    await settle();
    expect(a.destroyed).toBe(false);
    a.close();
    await settle();
    expect(a.destroyed).toBe(true);
    expect(b.destroyed).toBe(false);
    expect(questions()).toEqual([
      'Save changes to /labs/a.qnet.yaml before closing?',
      'Save changes to /labs/a.qnet.yaml before closing?',
    ]);
    expect(fake.dialogCalls.every((c) => c.parent === a)).toBe(true);
  });

  it('Save asks that page to save; the window closes once it is written, and stays when the save was cancelled', async () => {
    const a = open({ dirty: true, path: null });
    open();
    fake.dialogAnswers.box = 0;
    a.close();
    await settle();
    expect(saved).toEqual([a.webContents.id]);
    flow.saveFinished(a.webContents as unknown as WebContents, false);
    await settle();
    expect(a.destroyed).toBe(false);

    a.close();
    await settle();
    flow.saveFinished(a.webContents as unknown as WebContents, true);
    await settle();
    expect(a.destroyed).toBe(true);
    expect(questions()).toEqual([
      'Save changes to the new topology before closing?',
      'Save changes to the new topology before closing?',
    ]);
  });

  it('a save no close asked for (Ctrl+S) closes nothing', async () => {
    const a = open({ dirty: true, path: '/labs/a.qnet.yaml' });
    flow.saveFinished(a.webContents as unknown as WebContents, true);
    await settle();
    expect(a.destroyed).toBe(false);
  });
});

describe('the last window, and Quit', () => {
  it('the last window closing asks about the running labs; Stop and Quit stops them, then the quit asks nothing', async () => {
    labs = [fakeLab('p2p', '/s', 'running')];
    const a = open();
    a.close();
    await settle();
    expect(questions()).toEqual(['The lab "p2p" is running.']);
    expect(stopLab.mock.calls).toEqual([['p2p']]);
    expect(a.destroyed).toBe(true);
    const quit = { preventDefault: vi.fn() };
    flow.beforeQuit(quit);
    expect(quit.preventDefault).not.toHaveBeenCalled();
  });

  it('the last window stays when the user cancels at the labs question', async () => {
    labs = [fakeLab('p2p', '/s', 'running')];
    const a = open();
    fake.dialogAnswers.box = 1;
    a.close();
    await settle();
    expect(a.destroyed).toBe(false);
    expect(stopLab).not.toHaveBeenCalled();
  });

  it('Quit asks each window with unsaved changes in turn, then about the labs once, then quits', async () => {
    labs = [fakeLab('p2p', '/s', 'running')];
    const a = open({ dirty: true, path: '/labs/a.qnet.yaml' });
    open();
    const c = open({ dirty: true, path: '/labs/c.qnet.yaml' });
    fake.dialogAnswers.boxes.push(1, 1, 0);
    const quit = { preventDefault: vi.fn() };
    flow.beforeQuit(quit);
    await settle();
    expect(quit.preventDefault).toHaveBeenCalled();
    expect(questions()).toEqual([
      'Save changes to /labs/a.qnet.yaml before closing?',
      'Save changes to /labs/c.qnet.yaml before closing?',
      'The lab "p2p" is running.',
    ]);
    expect(fake.dialogCalls.map((d) => d.parent)).toEqual([a, c, c]); // the labs question on the focused window
    expect(stopLab).toHaveBeenCalledTimes(1);
    expect(fake.calls.quit).toBe(1);
    const again = { preventDefault: vi.fn() };
    flow.beforeQuit(again); // app.quit() comes back through before-quit: it goes through
    expect(again.preventDefault).not.toHaveBeenCalled();
  });

  it('Quit with Save on a window goes on quitting once that save is written; Cancel anywhere stops the quit', async () => {
    const a = open({ dirty: true, path: '/labs/a.qnet.yaml' });
    const b = open({ dirty: true, path: '/labs/b.qnet.yaml' });
    fake.dialogAnswers.boxes.push(0, 2);
    flow.beforeQuit({ preventDefault() {} });
    await settle();
    expect(saved).toEqual([a.webContents.id]);
    flow.saveFinished(a.webContents as unknown as WebContents, true);
    await settle();
    expect(questions()).toEqual([
      'Save changes to /labs/a.qnet.yaml before closing?',
      'Save changes to /labs/b.qnet.yaml before closing?',
    ]);
    expect(fake.calls.quit).toBe(0); // b said Cancel

    fake.dialogAnswers.boxes.push(1);
    flow.beforeQuit({ preventDefault() {} });
    await settle();
    expect(fake.calls.quit).toBe(0); // a was settled by its save only for that quit: asked again
    expect(questions().slice(-2)).toEqual([
      'Save changes to /labs/a.qnet.yaml before closing?',
      'Save changes to /labs/b.qnet.yaml before closing?',
    ]);
    expect(saved).toEqual([a.webContents.id, b.webContents.id]); // b answered Save this time
  });
});
