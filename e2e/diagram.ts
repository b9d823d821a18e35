import { readFile } from 'node:fs/promises';
import type { TestInfo } from '@playwright/test';
import { expect } from './fixtures';
import type { EditorPage } from './pages/EditorPage';
import { decodePng, PNG_SIGNATURE } from './png';

/**
 * Exports the open document's diagram as SVG and PNG and checks both as a viewer would: the SVG parses as SVG and
 * names every node on the canvas; the PNG decodes, and a node's box is painted in it (opaque, not background).
 */
export async function expectDiagramExports(editor: EditorPage, info: TestInfo): Promise<void> {
  const { page } = editor;
  const names = await page.locator('.topo-node__name').allTextContents();
  expect(names.length).toBeGreaterThan(0);

  const svgDownload = await editor.toolbarDownload('export-svg');
  expect(svgDownload.suggestedFilename()).toMatch(/\.svg$/);
  const svgFile = info.outputPath(svgDownload.suggestedFilename());
  await svgDownload.saveAs(svgFile);
  const svg = await readFile(svgFile, 'utf8');
  // Parsed by the browser's XML parser, as a viewer would.
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    const node = root.querySelector('rect[data-node]');
    return {
      root: root.localName,
      ns: root.namespaceURI,
      error: doc.querySelector('parsererror')?.textContent ?? null,
      texts: [...root.querySelectorAll('text')].map((t) => t.textContent),
      viewBox: root.getAttribute('viewBox')!.split(' ').map(Number),
      node: node ? ['x', 'y', 'width', 'height'].map((a) => Number(node.getAttribute(a))) : null,
    };
  }, svg);
  expect(parsed.error).toBeNull();
  expect(parsed.root).toBe('svg');
  expect(parsed.ns).toBe('http://www.w3.org/2000/svg');
  for (const name of names) expect(parsed.texts).toContain(name);

  const pngDownload = await editor.toolbarDownload('export-png');
  expect(pngDownload.suggestedFilename()).toMatch(/\.png$/);
  const pngFile = info.outputPath(pngDownload.suggestedFilename());
  await pngDownload.saveAs(pngFile);
  const bytes = await readFile(pngFile);
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  const png = decodePng(bytes);
  expect(png.width).toBeGreaterThan(0);
  expect(png.height).toBeGreaterThan(0);
  // The PNG is the SVG's scene at a fixed scale: find the first node's box in it.
  const [vx, vy, vw] = parsed.viewBox as [number, number, number, number];
  const scale = png.width / vw;
  const [nx, ny, nw] = parsed.node!;
  // A few units below the middle of the node's top edge: the node's fill, opaque and not the background.
  const inside = png.pixel(Math.round((nx! + nw! / 2 - vx) * scale), Math.round((ny! + 4 - vy) * scale));
  const background = png.pixel(1, 1);
  expect(inside[3]).toBe(255);
  expect(inside.slice(0, 3)).not.toEqual(background.slice(0, 3));
}
