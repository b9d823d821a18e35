import { formatModelError, loadTopology, saveTopology } from '../../shared/model';
import { emitScripts } from '../../shared/emit';
import { emptyDocument } from '../doc/factory';
import { planOf } from '../plan/usePlan';
import { editor } from '../store/editor';
import type { AppCommands } from '../actions/registry';
import { download } from './download';
import { tarFiles } from './tar';
import { autoLayout } from '../canvas/autoLayout';
import { exportDiagram } from './exportDiagram';
import { desktopApi } from '../api/desktop';
import type { QnetWindowApi } from '../../shared/desktop-api';
import { desktopFileCommands } from './desktopCommands';
import { saveNameOf } from './names';
import { mayReplace, unsavedPrompt } from './unsaved';
import { importText } from './importText';

/**
 * Opens YAML text as the document (Open, Open Recent, an example, a file from the OS). A bad file shows its errors
 * and leaves the open document alone; unsaved changes are asked about first. False when nothing was opened.
 */
export async function openText(text: string, file: string): Promise<boolean> {
  const s = editor.getState();
  const r = loadTopology(text, file);
  if (!r.ok) {
    s.setOpenErrors({ file, lines: r.errors.map((e) => formatModelError({ ...e, file: e.file ?? file })) });
    return false;
  }
  if (!(await confirmReplace(`opening ${file.replace(/^.*[\\/]/, '')}`))) return false;
  const doc = await autoLayout(r.topology);
  s.load(doc, file);
  s.notify('info', `Opened ${file}`);
  return true;
}

/** The file name a document is saved as. */
function saveName(): string {
  return saveNameOf(editor.getState());
}

/** The browser's Save: the file is downloaded. */
function downloadDocument(): void {
  const s = editor.getState();
  const name = saveName();
  download(name, saveTopology(s.doc), 'application/yaml');
  s.markSaved(name);
  s.notify('info', `Saved ${name}`);
}

/**
 * Before the document is replaced: when it has unsaved changes, asks Save / Don't Save / Cancel. True when it may
 * be replaced. `next` ends the question "Save the changes to lab.qnet.yaml before …?".
 */
export function confirmReplace(next: string, desktop: QnetWindowApi | null = desktopApi()): Promise<boolean> {
  return mayReplace({
    isDirty: () => editor.getState().dirty,
    ask: () => unsavedPrompt.ask({ file: saveName(), next }),
    save: () => (desktop ? desktopFileCommands(desktop, { store: editor, openText }).save() : downloadDocument()),
  });
}

/**
 * The window's commands that need the DOM: file picker, downloads, the gallery. In the desktop window open and save
 * use main's native dialogs and write the file in place; in a browser they use a file input and a download.
 */
export function appCommands(
  fileInput: () => HTMLInputElement | null,
  desktop: QnetWindowApi | null = desktopApi(),
  importInput: () => HTMLInputElement | null = () => null,
): AppCommands {
  const commands: AppCommands = {
    openFilePicker: () => fileInput()?.click(),
    // A script is text the page reads itself, in a browser and in the desktop window alike.
    importFile: () => importInput()?.click(),
    save: downloadDocument,
    exportScripts() {
      const s = editor.getState();
      if (!s.probed) return;
      const result = planOf(s.doc, s.probed);
      if (!result.ok) return s.notify('error', `Cannot compile: ${result.error}`);
      const errors = result.plan.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) return s.notify('error', `Not exporting: fix the ${errors.length} error(s) in Problems first`);
      const emitted = emitScripts(result.plan);
      if (!emitted.ok) return s.notify('error', `Cannot export: ${emitted.errors.map((e) => e.message).join('; ')}`);
      download(
        `${result.plan.lab}-scripts.tar`,
        tarFiles(`${result.plan.lab}-scripts`, emitted.files),
        'application/x-tar',
      );
      s.notify('info', `Exported ${result.plan.lab}-scripts.tar (up.sh, down.sh, plan.json, README.txt)`);
    },
    exportDiagram(format) {
      void exportDiagram(format);
    },
    async newDocument() {
      if (await confirmReplace('starting a new document', desktop)) editor.getState().load(emptyDocument(), null);
    },
    openGallery() {
      editor.getState().setGalleryOpen(true);
    },
  };
  return desktop ? { ...commands, ...desktopFileCommands(desktop, { store: editor, openText, importText }) } : commands;
}
