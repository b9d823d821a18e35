// The canvas figures of `npm run bench`: a generated 500-node / 600-link topology opened in Debian's Chromium
// through Playwright against a real `qnet serve` (the built renderer: run `npm run build` first).
import { chromium, type Page } from '@playwright/test';
import { saveTopology } from '../shared/model';
import { startServe } from '../e2e/serve';
import { generateTopology } from './generate';

export interface CanvasFigures {
  readonly nodes: number;
  readonly links: number;
  /** From the file chosen to the frame where every node and link is rendered and measured. */
  readonly openMs: number;
  /** Median time of a frame that handles one pointer move of a node drag (frame rate unthrottled). */
  readonly dragFrameMs: number;
  readonly dragMoves: number;
  /** JS heap in use after the open, after a garbage collection. */
  readonly heapMB: number;
}

type BenchWindow = Window & { qnetBench?: { done: Promise<number> }; qnetFrames?: { frames: number[]; moves: number[]; stop: boolean } };

/** Resolves in the page with the ms from the file input's change to the first frame with everything rendered. */
function armOpenTimer(page: Page, nodes: number, links: number): Promise<void> {
  return page.evaluate(
    ([nodes, links]) => {
      const w = window as BenchWindow;
      const input = document.querySelector<HTMLInputElement>('[data-testid="file-input"]')!;
      w.qnetBench = {
        done: new Promise<number>((resolve) => {
          input.addEventListener(
            'change',
            () => {
              const t0 = performance.now();
              const complete = () => {
                const shown = [...document.querySelectorAll<HTMLElement>('.react-flow__node')].filter((el) => el.style.visibility !== 'hidden');
                return shown.length === nodes && document.querySelectorAll('.react-flow__edge').length === links;
              };
              const tick = () => (complete() ? resolve(performance.now() - t0) : requestAnimationFrame(tick));
              requestAnimationFrame(tick);
            },
            { capture: true, once: true },
          );
        }),
      };
    },
    [nodes, links] as const,
  );
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

/** Opens the generated topology, drags one node, reads the heap. */
export async function benchCanvas(log: (line: string) => void = () => {}): Promise<CanvasFigures> {
  // 400 VMs x 2 NICs + 100 switches: 500 nodes, 400 VM-switch links + 200 point-to-point links.
  const topology = generateTopology(400, 2, 100);
  const text = saveTopology(topology);
  const served = await startServe();
  const browser = await chromium.launch({
    executablePath: process.env.QNET_CHROMIUM ?? '/usr/bin/chromium',
    // Unthrottled frames: a frame's time is its work, not the wait for the next vsync.
    args: ['--no-sandbox', '--disable-gpu', '--disable-gpu-vsync', '--disable-frame-rate-limit', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => log(`canvas: page error: ${e.message}`));
    // tsx keeps function names with an `__name` helper that the functions sent to the page would miss.
    await page.addInitScript('globalThis.__name = (f) => f');
    await page.goto(served.url);
    await page.getByTestId('app').and(page.locator('[data-ready="true"]')).waitFor();
    await armOpenTimer(page, topology.nodes.length, topology.links.length);
    log(`canvas: opening ${topology.nodes.length} nodes / ${topology.links.length} links`);
    await page.getByTestId('file-input').setInputFiles({ name: 'bench.qnet.yaml', mimeType: 'application/yaml', buffer: Buffer.from(text) });
    const openMs = await page.evaluate(() => (window as BenchWindow).qnetBench!.done);

    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;

    // Let the fit-view animation end, then drag a node that is on screen by its title.
    await page.waitForTimeout(400);
    const target = page.locator('.react-flow__node[data-id="vm0"] .topo-node__head');
    const box = (await target.boundingBox())!;
    await page.evaluate(() => {
      const w = window as BenchWindow;
      const rec: { frames: number[]; moves: number[]; stop: boolean } = { frames: [], moves: [], stop: false };
      w.qnetFrames = rec;
      document.addEventListener('pointermove', () => rec.moves.push(performance.now()), { capture: true });
      const loop = () => {
        rec.frames.push(performance.now());
        if (!rec.stop) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    });
    const before = await cdp.send('Performance.getMetrics');
    if (process.env.QNET_BENCH_PROFILE) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    const moves = 120;
    for (let i = 1; i <= moves; i++) await page.mouse.move(x + i * 3, y + Math.sin(i / 10) * 40);
    await page.mouse.up();
    const after = await cdp.send('Performance.getMetrics');
    if (process.env.QNET_BENCH_PROFILE) {
      const { profile } = await cdp.send('Profiler.stop');
      const self = new Map<string, number>();
      const dt = profile.timeDeltas ?? [];
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      (profile.samples ?? []).forEach((id, i) => {
        const f = byId.get(id)!.callFrame;
        const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}:${f.columnNumber}`;
        self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
      });
      for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) log(`  ${v.toFixed(1).padStart(7)} ms  ${k}`);
    }
    const d = (name: string) => (after.metrics.find((m) => m.name === name)!.value - before.metrics.find((m) => m.name === name)!.value) * 1000;
    log(`canvas: drag main thread: script ${d('ScriptDuration').toFixed(0)} ms, style ${d('RecalcStyleDuration').toFixed(0)} ms, layout ${d('LayoutDuration').toFixed(0)} ms, task ${d('TaskDuration').toFixed(0)} ms`);
    const { frames, moves: at } = await page.evaluate(() => {
      const rec = (window as BenchWindow).qnetFrames!;
      rec.stop = true;
      return rec;
    });
    // Chromium dispatches a pointer move at the start of a frame, before that frame's rAF callbacks; the frame is
    // painted before the next frame's callbacks. A move's frame time: from the move to the second callback after it.
    const times: number[] = [];
    for (const m of at) {
      const after = frames.filter((f) => f > m)[1];
      if (after !== undefined) times.push(after - m);
    }
    const idle = frames.slice(1).map((f, i) => f - frames[i]!);
    log(`canvas: ${frames.length} frames during the drag, median rAF interval ${median(idle).toFixed(1)} ms`);
    const moved = await page.locator('.react-flow__node[data-id="vm0"] .topo-node__head').boundingBox();
    if (!moved || Math.abs(moved.x - box.x) < 50) throw new Error('canvas bench: the dragged node did not move');
    return { nodes: topology.nodes.length, links: topology.links.length, openMs, dragFrameMs: median(times), dragMoves: times.length, heapMB: heap / 2 ** 20 };
  } finally {
    await browser.close();
    await served.stop();
  }
}

// `npx tsx bench/canvas.ts`: just these figures.
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchCanvas(console.log));
}
