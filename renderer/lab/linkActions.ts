/**
 * Link control from the page: a running lab's link set down or up, its capture started or stopped. The answer is not applied here: the engine's
 * `linkState` event reaches every page following the lab (labStore.ts), this one included.
 */
import { describeShaping } from '../../shared/compiler/shaping';
import type { LinkShaping } from '../../shared/model/schema';
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

/** Gives `link` of the running `lab` this shaping (an empty one takes it off); the answer is said in the notice. */
export async function setShaping(lab: string, link: string, shaping: LinkShaping): Promise<void> {
  const s = editor.getState();
  if (isOffline()) return s.notify('error', notConnectedReason(`shape link ${link}`));
  const r = await getEngine().request({ type: 'setShaping', lab, link, shaping });
  if (!r.ok) return s.notify('error', `Link ${link}: ${r.error.message}`);
  const now = r.link.shaping;
  s.notify('info', now ? `Link ${link} shaped: ${describeShaping(now)}` : `Link ${link} unshaped`);
}
