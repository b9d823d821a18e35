import { beforeEach, describe, expect, it } from 'vitest';
import type { DesktopRequest, QnetWindowApi } from '../../shared/desktop-api';
import { emptyDocument, newNode } from '../doc/factory';
import { editor } from '../store/editor';
import { appCommands, openText } from './commands';
import { unsavedPrompt } from './unsaved';

const OTHER = 'version: 1\nname: other\nnodes:\n  - id: hub1\n    kind: hub\n';

/** Answers the next question of the window's prompt once it is asked. */
function answerNext(choice: 'save' | 'discard' | 'cancel') {
  const off = unsavedPrompt.store.subscribe((s) => {
    if (!s.question) return;
    off();
    unsavedPrompt.answer(choice);
  });
}

beforeEach(() => {
  editor.getState().load(emptyDocument(), null);
  editor
    .getState()
    .dispatch([{ type: 'add-node', node: newNode(editor.getState().doc, 'vm'), position: { x: 0, y: 0 } }]);
});

describe('replacing a document with unsaved changes', () => {
  const app = appCommands(() => null, null);

  it("New asks first: Cancel keeps the changes, Don't Save replaces them", async () => {
    const edited = editor.getState().doc;
    answerNext('cancel');
    await app.newDocument();
    expect(editor.getState().doc).toBe(edited);
    expect(editor.getState().dirty).toBe(true);
    answerNext('discard');
    await app.newDocument();
    expect(editor.getState().doc.nodes).toEqual([]);
    expect(editor.getState().dirty).toBe(false);
  });

  it('Open (and Open Recent, an example, a file from the OS) asks before replacing, not for a bad file', async () => {
    answerNext('cancel');
    expect(await openText(OTHER, '/labs/other.qnet.yaml')).toBe(false);
    expect(editor.getState().doc.name).not.toBe('other');
    expect(await openText('version: 1\nname: "bad name"\n', 'bad.qnet.yaml')).toBe(false);
    expect(unsavedPrompt.store.getState().question).toBeNull();
    editor.getState().setOpenErrors(null);
    answerNext('discard');
    expect(await openText(OTHER, '/labs/other.qnet.yaml')).toBe(true);
    expect(editor.getState()).toMatchObject({ fileName: '/labs/other.qnet.yaml', dirty: false });
  });

  it('Save goes on only once the save happened (the desktop window: its Save dialog cancelled, then answered)', async () => {
    const answers: (string | null)[] = [null, '/labs/mine.qnet.yaml'];
    const requests: DesktopRequest[] = [];
    const desktop = {
      async desktop(r: DesktopRequest) {
        requests.push(r);
        return { ok: true, path: answers.shift() };
      },
    } as unknown as QnetWindowApi;
    const withDesktop = appCommands(() => null, desktop);
    answerNext('save');
    await withDesktop.newDocument();
    expect(editor.getState().doc.nodes).toHaveLength(1);
    expect(editor.getState().dirty).toBe(true);
    answerNext('save');
    await withDesktop.newDocument();
    expect(requests.map((r) => r.type)).toEqual(['saveFile', 'saveFile']);
    expect(editor.getState().doc.nodes).toEqual([]);
    expect(editor.getState().fileName).toBeNull();
  });

  it('a clean document is replaced without a question', async () => {
    editor.getState().markSaved('lab.qnet.yaml');
    expect(await openText(OTHER, 'other.qnet.yaml')).toBe(true);
    expect(editor.getState().doc.name).toBe('other');
  });
});
