/**
 * The page's side of the desktop window (shared/desktop-api.ts): runs the native menu's actions through the action
 * registry, opens the files main hands over (recent list, command line, the OS), and reports the document's
 * unsaved-changes state (the window title, the close prompt).
 */
import { TEXT_EDIT_OPS, type MenuAction, type QnetWindowApi, type TextEditOp } from '../../shared/desktop-api';
import { pageFocus, type PageFocus } from '../actions/focus';
import { ACTIONS, type ActionContext, type AppCommands } from '../actions/registry';
import { useLab } from '../lab/labStore';
import { usePanels } from '../store/panels';
import type { EditorStore } from '../store/store';

export interface DesktopDeps {
  readonly store: EditorStore;
  readonly app: AppCommands;
  /** Opens YAML text as the document, `path` as its file name (files/commands.ts `openText`). */
  readonly openText: (text: string, path: string) => Promise<unknown>;
  /** Where the page's focus is (default: the document's); tests give their own. */
  readonly focus?: () => PageFocus;
  /** Subscribes to the lab's state (Launch and Stop depend on it); default the lab store. */
  readonly onLabChange?: (listener: () => void) => () => void;
  /** The followed lab and the bottom panel, as actions see them; default the window's stores. */
  readonly lab?: () => ActionContext['lab'];
  readonly panels?: () => ActionContext['panels'];
}

/**
 * Main answers `ready` with its queued actions once per page, but React StrictMode connects, disposes and connects
 * again: the answer is kept per api, and the first connection still live when it arrives runs its actions.
 */
const handshakes = new WeakMap<QnetWindowApi, { readonly actions: Promise<readonly MenuAction[]>; taken: boolean }>();

function handshake(api: QnetWindowApi, notify: (text: string) => void) {
  let h = handshakes.get(api);
  if (!h) {
    const actions = api.desktop({ type: 'ready' }).then((r) => {
      if (r.ok) return r.actions;
      notify(`The desktop window did not answer: ${r.error.message}`);
      return [];
    });
    h = { actions, taken: false };
    handshakes.set(api, h);
  }
  return h;
}

/** Runs one menu action: a file to open, Save As, or a registry action by name. */
function contextOf({ store, app, lab, panels }: DesktopDeps): ActionContext {
  return { state: store.getState(), lab: (lab ?? useLab.getState)(), panels: (panels ?? usePanels.getState)(), app };
}

async function run(api: QnetWindowApi, deps: DesktopDeps, a: MenuAction): Promise<void> {
  const { store, app, openText, focus } = deps;
  if ((a.name === 'openRecent' || a.name === 'openPath') && a.path) {
    const r = await api.desktop({ type: 'readFile', path: a.path });
    if (!r.ok) return store.getState().notify('error', r.error.message);
    await openText(r.file.text, r.file.path);
    return;
  }
  if (a.name === 'saveAs') return app.saveAs?.();
  const where = (focus ?? pageFocus)();
  // Copy, Paste, Undo… from the Edit menu in a text field are the field's, run natively by main.
  if (where.editingText && (TEXT_EDIT_OPS as readonly string[]).includes(a.name)) {
    const r = await api.desktop({ type: 'editText', op: a.name as TextEditOp });
    if (!r.ok) store.getState().notify('error', r.error.message);
    return;
  }
  if (where.dialogOpen) return; // the dialog's question comes first; the drawing behind it stays as it is
  const action = ACTIONS.find((x) => x.name === a.name);
  if (!action) return store.getState().notify('error', `The menu asked for "${a.name}", which this page does not know`);
  const ctx = contextOf(deps);
  if (action.predicate && !action.predicate(ctx)) return;
  action.perform(ctx);
}

/** Connects the page to the desktop window; the returned function undoes every subscription. */
export function connectDesktop(api: QnetWindowApi, deps: DesktopDeps): () => void {
  const { store } = deps;
  let live = true;
  const perform = (a: MenuAction) =>
    run(api, deps, a).catch((err: unknown) =>
      store.getState().notify('error', `${a.name} failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  const offAction = api.onAction((a) => void perform(a));

  const h = handshake(api, (text) => store.getState().notify('error', text));
  void h.actions.then(async (queued) => {
    if (!live || h.taken) return;
    h.taken = true;
    for (const a of queued) await perform(a); // in order: a file given at launch, then what came after
  });

  let sent: { dirty: boolean; path: string | null } | null = null;
  const report = () => {
    const { dirty, fileName: path } = store.getState();
    if (sent && sent.dirty === dirty && sent.path === path) return;
    sent = { dirty, path };
    void api.desktop({ type: 'documentState', dirty, path });
  };
  // Which registry actions can run now, for the menu to grey the others; sent when that changes.
  let sentEnabled = '';
  const reportEnabled = () => {
    const ctx = contextOf(deps);
    const enabled = Object.fromEntries(ACTIONS.filter((a) => a.predicate).map((a) => [a.name, a.predicate!(ctx)]));
    const key = JSON.stringify(enabled);
    if (key === sentEnabled) return;
    sentEnabled = key;
    void api.desktop({ type: 'menuState', enabled });
  };
  report();
  reportEnabled();
  const offStore = store.subscribe(() => {
    report();
    reportEnabled();
  });
  const offLab = (deps.onLabChange ?? ((l: () => void) => useLab.subscribe(l)))(reportEnabled);

  return () => {
    live = false;
    offAction();
    offStore();
    offLab();
  };
}
