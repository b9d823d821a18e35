// How long a pointer move takes to reach the screen, measured the same way on every page the canvas bench drives.
import type { Page } from '@playwright/test';

/** What one drag recorded in the page: pointer moves, changes of the dragged element's style, animation frames. */
export interface DragRecord {
  readonly moves: number[];
  readonly mutations: number[];
  readonly frames: number[];
}

type Recorder = DragRecord & { stop: boolean; observer: MutationObserver };
type RecWindow = Window & { qnetDragRecord?: Recorder };

/** Starts recording in the page: moves, style changes of the element `selector` finds, and every frame. */
export async function armDragRecord(page: Page, selector: string): Promise<void> {
  await page.evaluate((sel) => {
    const w = window as RecWindow;
    const el = document.querySelector(sel);
    if (!el) throw new Error(`no element ${sel}`);
    const rec = { moves: [] as number[], mutations: [] as number[], frames: [] as number[], stop: false } as Recorder;
    // Callbacks run at the end of the task that changed the style: the time the move reached the DOM.
    rec.observer = new MutationObserver(() => rec.mutations.push(performance.now()));
    rec.observer.observe(el, { attributes: true, attributeFilter: ['style'] });
    document.addEventListener('pointermove', () => rec.moves.push(performance.now()), { capture: true });
    const loop = () => {
      rec.frames.push(performance.now());
      if (!rec.stop) requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
    w.qnetDragRecord = rec;
  }, selector);
}

/** Stops recording and returns what was recorded. */
export async function takeDragRecord(page: Page): Promise<DragRecord> {
  return page.evaluate(() => {
    const rec = (window as RecWindow).qnetDragRecord!;
    rec.stop = true;
    rec.observer.disconnect();
    return { moves: rec.moves, mutations: rec.mutations, frames: rec.frames };
  });
}

/**
 * Each move's time to the frame that shows it: from the pointer move to the first change of the dragged element after
 * it (a page whose state update lands a task later shows the move that much later), then to the start of the frame
 * after the one that painted that change (the second animation frame after the change: the first frame's rendering
 * paints it, the next one starts once that is done). Moves after the last change are left out.
 */
export function moveToFrameTimes(rec: DragRecord): number[] {
  const times: number[] = [];
  let mi = 0;
  let fi = 0;
  for (const m of rec.moves) {
    while (mi < rec.mutations.length && rec.mutations[mi]! < m) mi++;
    const shown = rec.mutations[mi];
    if (shown === undefined) break;
    while (fi < rec.frames.length && rec.frames[fi]! <= shown) fi++;
    const painted = rec.frames[fi + 1];
    if (painted === undefined) break;
    times.push(painted - m);
  }
  return times;
}

/** The q-quantile of xs (0.5: median). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * q))]! : NaN;
}
