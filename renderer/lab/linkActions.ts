/**
 * Link control from the page: a running lab's link set down or up, its capture started or stopped. The answer is not applied here: the engine's
 * `linkState` event reaches every page following the lab (labStore.ts), this one included.
 */
import { isOffline, notConnectedReason } from '../api/connection';
import { getEngine } from '../api/engine';
import { editor } from '../store/editor';

/** Sets `link` of the running `lab` down or up; a failure is said in the page's notice. */
export async function setLink(lab: string, link: string, up: boolean): Promise<void> {
  const s = editor.getState();
  if (isOffline()) return s.notify('error', notConnectedReason(`set link ${link} ${up ? 'up' : 'down'}`));
  const r = await getEngine().request({ type: 'setLink', lab, link, up });
  s.notify(
    r.ok ? 'info' : 'error',
    r.ok ? `Link ${link} is ${up ? 'up' : 'down'}` : `Link ${link}: ${r.error.message}`,
  );
}

/** Starts or stops capturing `link` of the running `lab`; a failure is said in the page's notice. */
export async function setCapture(lab: string, link: string, on: boolean): Promise<void> {
  const s = editor.getState();
  if (isOffline()) return s.notify('error', notConnectedReason(`${on ? 'start' : 'stop'} a capture`));
  const r = await getEngine().request({ type: on ? 'captureStart' : 'captureStop', lab, link });
  if (!r.ok) return s.notify('error', `Capture of ${link}: ${r.error.message}`);
  s.notify('info', on ? `Capturing ${link} into ${r.file}` : `Capture of ${link} stopped: ${r.file}`);
}
