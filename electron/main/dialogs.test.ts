import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebContents } from 'electron';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fake, FakeWebContents } from '../testkit/electron-fake';
import { CLEAN_DOCUMENT, FileManager, windowTitle, withExtension } from './dialogs';
import { SettingsStore } from './settings';

vi.mock('electron', async () => (await import('../testkit/electron-fake')).fake.module);

const dir = mkdtempSync(join(tmpdir(), 'qnet-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const lab = join(dir, 'p2p.qnet.yaml');
writeFileSync(lab, 'version: 1\n');
const page = new FakeWebContents() as unknown as WebContents;

let files: FileManager;
let settings: SettingsStore;
const hooks = { recentChanged: vi.fn(), documentChanged: vi.fn(), saveFinished: vi.fn() };
beforeEach(() => {
  settings = new SettingsStore(join(dir, `settings-${Math.random()}.json`));
  settings.initialize();
  files = new FileManager(settings, hooks);
  files.initialize();
  fake.dialogAnswers.open = null;
  fake.dialogAnswers.save = null;
  vi.clearAllMocks();
});

describe('FileManager', () => {
  it('opens a file chosen in the native dialog and remembers it', async () => {
    fake.dialogAnswers.open = [lab];
    expect(await files.handle({ type: 'openFile' }, page)).toEqual({
      ok: true,
      file: { path: lab, text: 'version: 1\n' },
    });
    expect(fake.dialogCalls.at(-1)).toMatchObject({
      kind: 'open',
      options: { filters: [{ extensions: ['qnet.yaml'] }, { extensions: ['yaml', 'yml'] }] },
    });
    expect(settings.get().recent).toEqual([lab]);
    expect(fake.recentDocs.at(-1)).toBe(lab);
    expect(hooks.recentChanged).toHaveBeenCalled();
    expect(await files.handle({ type: 'recentFiles' }, page)).toEqual({ ok: true, paths: [lab] });
  });

  it('reads a script chosen for import, without handing it out for saving or listing it as recent', async () => {
    const script = join(dir, 'run-vm.sh');
    writeFileSync(script, 'qemu-system-x86_64 -nic user\n');
    fake.dialogAnswers.open = [script];
    expect(await files.handle({ type: 'openFile', purpose: 'import' }, page)).toEqual({
      ok: true,
      file: { path: script, text: 'qemu-system-x86_64 -nic user\n' },
    });
    expect(fake.dialogCalls.at(-1)).toMatchObject({
      kind: 'open',
      options: {
        title: 'Import QEMU command lines',
        filters: [{ extensions: ['sh', 'args', 'bash', 'txt'] }, { extensions: ['*'] }],
      },
    });
    expect(settings.get().recent).toEqual([]);
    expect(await files.handle({ type: 'readFile', path: script }, page)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
  });

  it('answers a cancelled dialog with no file', async () => {
    expect(await files.handle({ type: 'openFile' }, page)).toEqual({ ok: true, file: null });
  });

  it('reads only files the user handed over', async () => {
    expect(await files.handle({ type: 'readFile', path: lab }, page)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
    files.grant(lab); // the command line or the file manager
    expect(await files.handle({ type: 'readFile', path: lab }, page)).toMatchObject({ ok: true, file: { path: lab } });
  });

  it('drops a recent file that is gone', async () => {
    const gone = join(dir, 'gone.qnet.yaml');
    settings.update({ recent: [gone, lab] });
    files.initialize();
    expect(await files.handle({ type: 'readFile', path: gone }, page)).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL' },
    });
    expect(settings.get().recent).toEqual([lab]);
  });

  it('saves over a file it handed out, and asks where for any other', async () => {
    files.grant(lab);
    expect(await files.handle({ type: 'saveFile', path: lab, text: 'version: 1\n# edited\n' }, page)).toEqual({
      ok: true,
      path: lab,
    });
    expect(readFileSync(lab, 'utf8')).toContain('# edited');
    expect(hooks.saveFinished).toHaveBeenLastCalledWith(true, page);

    fake.dialogAnswers.save = join(dir, 'new-lab');
    const r = await files.handle({ type: 'saveFile', path: '/etc/cron.d/x', text: 'version: 1\n' }, page);
    expect(r).toEqual({ ok: true, path: join(dir, 'new-lab.qnet.yaml') });
    expect(fake.dialogCalls.at(-1)).toMatchObject({
      kind: 'save',
      options: { defaultPath: '/etc/cron.d/x.qnet.yaml' },
    });
    expect(readFileSync(join(dir, 'new-lab.qnet.yaml'), 'utf8')).toBe('version: 1\n');
  });

  it('Save As always asks; a cancelled save writes nothing and says so', async () => {
    expect(await files.handle({ type: 'saveFileAs', text: 'x', suggestedName: 'lab.qnet.yaml' }, page)).toEqual({
      ok: true,
      path: null,
    });
    expect(fake.dialogCalls.at(-1)).toMatchObject({
      kind: 'save',
      options: { defaultPath: '/home/user/Documents/lab.qnet.yaml' },
    });
    expect(hooks.saveFinished).toHaveBeenLastCalledWith(false, page);
  });

  it('keeps each page’s document state for its close prompt, and forgets it when the page goes', async () => {
    const one = new FakeWebContents();
    const two = new FakeWebContents();
    const [a, b] = [one as unknown as WebContents, two as unknown as WebContents];
    await files.handle({ type: 'documentState', dirty: true, path: lab }, a);
    await files.handle({ type: 'documentState', dirty: false, path: null }, b);
    expect(files.stateOf(a)).toEqual({ dirty: true, path: lab });
    expect(files.stateOf(b)).toEqual({ dirty: false, path: null });
    expect(hooks.documentChanged).toHaveBeenCalledWith({ dirty: true, path: lab }, a);
    one.destroy();
    expect(files.stateOf(a)).toEqual(CLEAN_DOCUMENT);
    expect(files.stateOf(b)).toEqual({ dirty: false, path: null });
  });
});

describe('helpers', () => {
  it('adds the extension when the name lacks it', () => {
    expect(withExtension('/a/lab')).toBe('/a/lab.qnet.yaml');
    expect(withExtension('/a/lab.qnet.yaml')).toBe('/a/lab.qnet.yaml');
    expect(withExtension('/a/lab.yaml')).toBe('/a/lab.yaml');
  });
  it('titles the window after the file, marking unsaved changes', () => {
    expect(windowTitle('/a/p2p.qnet.yaml', true)).toBe('• p2p.qnet.yaml — Qnet Studio');
    expect(windowTitle(null, false)).toBe('Untitled — Qnet Studio');
  });
});
