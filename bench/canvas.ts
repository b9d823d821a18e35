// The canvas figures of `npm run bench`: generated topologies of 500 nodes / 600 links and 2,000 nodes / 2,400 links,
// opened and dragged in Debian's Chromium, in the editor (the built renderer behind a real `qnet serve`; run
// `npm run build` first) and in a bare React Flow page of the same topology built from the same lockfile (the peer,
// bench/peer/). Runs of the two pages alternate; each figure is the median over the runs.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from '@playwright/test';
import { build } from 'vite';
import { saveTopology, type Topology } from '../shared/model';
import { startServe, ROOT } from '../e2e/serve';
import { armDragRecord, moveToFrameTimes, quantile, takeDragRecord } from './frames';
import { generateTopology } from './generate';

/** One page's figures for one topology (medians over the runs). */
export interface PageFigures {
  /** From the file chosen (the peer: its nodes set) to the first frame with every node and link drawn. */
  readonly openMs: number;
  /** Median time from a pointer move of a node drag to the frame that shows it (frame rate unthrottled). */
  readonly dragFrameMs: number;
  readonly dragP90Ms: number;
  readonly dragMoves: number;
  /** JS heap in use after the open, after a garbage collection. */
  readonly heapMB: number;
}

export interface SizeFigures {
  readonly nodes: number;
  readonly links: number;
  readonly ours: PageFigures;
  readonly peer: PageFigures;
  /** ours / peer of the median drag frame: below 1 is faster than bare React Flow. */
  readonly ratio: number;
}

export interface CanvasFigures {
  readonly runs: number;
  readonly sizes: readonly SizeFigures[];
}

const SIZES = [
  { vms: 400, switches: 100 }, // 500 nodes, 400 VM-switch + 200 point-to-point links
  { vms: 1600, switches: 400 }, // 2,000 nodes, 2,400 links
];
const MOVES = 120;
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  // Unthrottled frames: a frame's time is its work, not the wait for the next vsync.
  '--disable-gpu-vsync',
  '--disable-frame-rate-limit',
  '--disable-background-networking',
];

type OpenWindow = Window & { qnetOpen?: Promise<number> };

/** Builds the peer page into dist/bench-peer (from this checkout's node_modules). */
async function buildPeer(): Promise<string> {
  const outDir = join(ROOT, 'dist/bench-peer');
  await build({
    root: join(ROOT, 'bench/peer'),
    base: './',
    logLevel: 'warn',
    configFile: false,
    publicDir: false,
    build: {
      outDir,
      emptyOutDir: true,
      chunkSizeWarningLimit: 4000,
      rolldownOptions: {
        checks: { pluginTimings: false },
        // @xyflow/react starts with "use client" (for server components); meaningless in this bundle.
        onwarn(warning, warn) {
          if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
        },
      },
    },
  });
  return outDir;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/** Serves a directory on 127.0.0.1 (the peer page). */
async function serveDir(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = join(dir, path === '/' ? 'index.html' : path.replace(/\.\.+/g, ''));
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return { url: `http://127.0.0.1:${addr.port}/`, server };
}

async function heapMB(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN) / 2 ** 20;
}

/**
 * Drags the node `id` through MOVES pointer moves, pressed at `at` (fractions of the `grab` element's box, away from
 * handles: zoomed out to fit 2,000 nodes, a handle covers much of a node); the per-move frame times.
 */
async function drag(page: Page, id: string, grab: string, at: { x: number; y: number }): Promise<number[]> {
  const node = page.locator(`.react-flow__node[data-id="${id}"]`);
  const box = (await page.locator(grab).boundingBox())!;
  await armDragRecord(page, `.react-flow__node[data-id="${id}"]`);
  const before = (await node.boundingBox())!;
  const x = box.x + box.width * at.x;
  const y = box.y + box.height * at.y;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= MOVES; i++) await page.mouse.move(x + i * 3, y + Math.sin(i / 10) * 40);
  await page.mouse.up();
  const times = moveToFrameTimes(await takeDragRecord(page));
  const after = (await node.boundingBox())!;
  if (Math.abs(after.x - before.x) < MOVES)
    throw new Error(`canvas bench: the dragged node ${id} did not follow the pointer`);
  return times;
}

interface Run {
  openMs: number;
  times: number[];
  heapMB: number;
}

/** The editor: opens the file through the page's file input, then drags a VM. */
async function runOurs(
  browser: Browser,
  url: string,
  t: Topology,
  text: string,
): Promise<Run & { canvas: { w: number; h: number } }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    // tsx keeps function names with an `__name` helper that the functions sent to the page would miss.
    await page.addInitScript('globalThis.__name = (f) => f');
    await page.goto(url);
    await page.getByTestId('app').and(page.locator('[data-ready="true"]')).waitFor();
    await page.evaluate(
      ([nodes, links]) => {
        const input = document.querySelector<HTMLInputElement>('[data-testid="file-input"]')!;
        (window as OpenWindow).qnetOpen = new Promise<number>((resolve) => {
          input.addEventListener(
            'change',
            () => {
              const t0 = performance.now();
              const complete = () =>
                document.querySelectorAll('.react-flow__node').length === nodes &&
                window.qnetCanvas?.drawn().routes === links;
              const tick = () => (complete() ? resolve(performance.now() - t0) : requestAnimationFrame(tick));
              requestAnimationFrame(tick);
            },
            { capture: true, once: true },
          );
        });
      },
      [t.nodes.length, t.links.length] as const,
    );
    await page
      .getByTestId('file-input')
      .setInputFiles({ name: 'bench.qnet.yaml', mimeType: 'application/yaml', buffer: Buffer.from(text) });
    const openMs = await page.evaluate(() => (window as OpenWindow).qnetOpen!);
    const cdp = await page.context().newCDPSession(page);
    const heap = await heapMB(cdp);
    // The fit-view animation ends.
    await page.waitForTimeout(500);
    const canvas = (await page.getByTestId('canvas').boundingBox())!;
    const times = await drag(page, 'vm0', '.react-flow__node[data-id="vm0"] .topo-node__head', { x: 0.5, y: 0.5 });
    return { openMs, times, heapMB: heap, canvas: { w: canvas.width, h: canvas.height } };
  } finally {
    await page.close();
  }
}

/** The peer: the same nodes and links in a bare React Flow of the editor's canvas size, then the same drag. */
async function runPeer(browser: Browser, url: string, t: Topology, canvas: { w: number; h: number }): Promise<Run> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    await page.addInitScript('globalThis.__name = (f) => f');
    await page.goto(url);
    await page.waitForFunction(() => window.peer !== undefined);
    const nodes = t.nodes.map((n) => ({ id: n.id, position: t.layout.nodes[n.id]!, data: { label: n.name ?? n.id } }));
    const edges = t.links.map((l, i) => ({ id: `e${i}`, source: l.a.split(':')[0]!, target: l.b.split(':')[0]! }));
    const openMs = await page.evaluate(
      ([nodes, edges, w, h]) =>
        new Promise<number>((resolve) => {
          const t0 = performance.now();
          window.peer!.load(nodes, edges, w, h);
          const complete = () =>
            [...document.querySelectorAll<HTMLElement>('.react-flow__node')].filter(
              (el) => el.style.visibility !== 'hidden',
            ).length === nodes.length && document.querySelectorAll('.react-flow__edge').length === edges.length;
          const tick = () => (complete() ? resolve(performance.now() - t0) : requestAnimationFrame(tick));
          requestAnimationFrame(tick);
        }),
      [nodes, edges, canvas.w, canvas.h] as const,
    );
    const cdp = await page.context().newCDPSession(page);
    const heap = await heapMB(cdp);
    await page.evaluate(() => window.peer!.fit());
    await page.waitForTimeout(300);
    const times = await drag(page, 'vm0', '.react-flow__node[data-id="vm0"]', { x: 0.15, y: 0.5 });
    return { openMs, times, heapMB: heap };
  } finally {
    await page.close();
  }
}

function figures(runs: readonly Run[]): PageFigures {
  const med = (xs: number[]) => quantile(xs, 0.5);
  return {
    openMs: med(runs.map((r) => r.openMs)),
    dragFrameMs: med(runs.map((r) => quantile(r.times, 0.5))),
    dragP90Ms: med(runs.map((r) => quantile(r.times, 0.9))),
    dragMoves: med(runs.map((r) => r.times.length)),
    heapMB: med(runs.map((r) => r.heapMB)),
  };
}

/** Measures both sizes in both pages, `runs` times each, alternating the pages. */
export async function benchCanvas(
  log: (line: string) => void = () => {},
  runs = Number(process.env.QNET_BENCH_CANVAS_RUNS ?? 5),
): Promise<CanvasFigures> {
  const peerDir = await buildPeer();
  const peer = await serveDir(peerDir);
  const served = await startServe();
  const browser = await chromium.launch({
    executablePath: process.env.QNET_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  try {
    const sizes: SizeFigures[] = [];
    for (const size of SIZES) {
      const t = generateTopology(size.vms, 2, size.switches);
      const text = saveTopology(t);
      const ours: Run[] = [];
      const peers: Run[] = [];
      // The peer gets the editor canvas's size (measured in the first run, which is the editor's).
      let canvas = { w: 0, h: 0 };
      for (let r = 0; r < runs; r++) {
        const one = async (which: 'ours' | 'peer') => {
          if (which === 'ours') {
            const run = await runOurs(browser, served.url, t, text);
            canvas = run.canvas;
            ours.push(run);
            log(
              `canvas ${t.nodes.length}: ours open ${run.openMs.toFixed(0)} ms, drag median ${quantile(run.times, 0.5).toFixed(1)} ms (${run.times.length} moves)`,
            );
          } else {
            const run = await runPeer(browser, peer.url, t, canvas);
            peers.push(run);
            log(
              `canvas ${t.nodes.length}: peer open ${run.openMs.toFixed(0)} ms, drag median ${quantile(run.times, 0.5).toFixed(1)} ms (${run.times.length} moves)`,
            );
          }
        };
        // Alternate which page goes first, so neither always runs on a warmer machine.
        for (const which of r % 2 === 0 ? (['ours', 'peer'] as const) : (['peer', 'ours'] as const)) await one(which);
      }
      const o = figures(ours);
      const p = figures(peers);
      sizes.push({
        nodes: t.nodes.length,
        links: t.links.length,
        ours: o,
        peer: p,
        ratio: o.dragFrameMs / p.dragFrameMs,
      });
    }
    return { runs, sizes };
  } finally {
    await browser.close();
    await served.stop();
    await new Promise((r) => peer.server.close(r));
  }
}

// `npx tsx bench/canvas.ts`: just these figures.
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchCanvas(console.log), null, 2));
}
