/**
 * Link control from the page: a running lab's link set down or up. The answer is not applied here: the engine's
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
