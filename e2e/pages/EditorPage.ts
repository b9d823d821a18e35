import { expect, type Download, type Locator, type Page } from '@playwright/test';
import type { ProbeLink } from '../../renderer/canvas/probe';
import type { Served } from '../serve';
import { CanvasView } from './CanvasView';

/** The editor window, driven like a user would: palette drags, handle-to-handle wires, forms, shortcuts. */
export class EditorPage {
  readonly canvas: Locator;
  readonly inspector: Locator;

  constructor(
    readonly page: Page,
    readonly server: Served,
  ) {
    this.canvas = page.getByTestId('canvas');
    this.inspector = page.getByTestId('inspector');
  }

  /** Opens the URL `qnet serve` printed and waits until the page has the server's compile target. */
  async open(): Promise<void> {
    await this.page.goto(this.server.url);
    await expect(this.page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
  }

  node(id: string): Locator {
    return this.page.getByTestId(`node__${id}`);
  }

  /** Right-clicks a node's title; resolves to its context menu once shown. */
  async openNodeMenu(id: string): Promise<Locator> {
    await this.node(id).locator('.topo-node__head').click({ button: 'right' });
    const menu = this.page.getByTestId('node-menu');
    await expect(menu).toHaveAttribute('data-node', id);
    return menu;
  }

  /** Right-clicks a link at the middle of its drawn curve; resolves to its context menu once shown. */
  async openLinkMenu(id: string): Promise<Locator> {
    // The fit after an open animates: the curve is where the probe says once the view stops.
    await new CanvasView(this.page).settled();
    const link = (await this.links()).find((l) => l.id === id);
    if (!link) throw new Error(`no link ${id} drawn`);
    const [x, y] = link.points[Math.floor(link.points.length / 2)]!;
    const at = await this.toScreen({ x, y });
    await this.page.mouse.click(at.x, at.y, { button: 'right' });
    const menu = this.page.getByTestId('link-menu');
    await expect(menu).toHaveAttribute('data-link', id);
    return menu;
  }

  /** An item of the open link context menu (`link-down`, `link-up`, `capture-start`, `capture-stop`, `show-packets`, `select`, `delete`). */
  linkMenuItem(name: string): Locator {
    return this.page.getByTestId(`link-menu__${name}`);
  }

  /** The links the canvas draws as being captured. */
  async canvasCapturing(): Promise<string[]> {
    return this.page.evaluate(() => window.qnetCanvas?.capturing() ?? []);
  }

  /** The links the canvas draws as set down. */
  async downLinks(): Promise<string[]> {
    return this.page.evaluate(() => window.qnetCanvas?.down() ?? []);
  }

  /** An item of the open node context menu (`open-console`, `select`, `delete`). */
  nodeMenuItem(name: string): Locator {
    return this.page.getByTestId(`node-menu__${name}`);
  }

  handle(node: string, port = 'port'): Locator {
    return this.page.locator(`.react-flow__handle[data-nodeid="${node}"][data-handleid="${port}"]`);
  }

  /** Drags a kind from the palette onto the canvas at (x, y) relative to the canvas. */
  async dropFromPalette(kind: string, x: number, y: number): Promise<void> {
    await this.page.getByTestId(`palette__item__${kind}`).dragTo(this.canvas, { targetPosition: { x, y } });
  }

  /** Selects a node by clicking its title. */
  async selectNode(id: string): Promise<void> {
    await this.node(id).locator('.topo-node__head').click();
    await expect(this.page.getByTestId(`inspector__node__${id}`)).toBeVisible();
  }

  async addNic(vm: string): Promise<void> {
    await this.selectNode(vm);
    const before = await this.node(vm).locator('.topo-node__port:not(.empty)').count();
    await this.page.getByTestId('inspector__add-nic').click();
    await expect(this.node(vm).locator('.topo-node__port:not(.empty)')).toHaveCount(before + 1);
  }

  /** Draws a wire from one handle to another with the mouse. */
  async wire(from: Locator, to: Locator): Promise<void> {
    const a = (await from.boundingBox())!;
    const b = (await to.boundingBox())!;
    await this.page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 5 });
    await this.page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
    await this.page.mouse.up();
  }

  /** The links the canvas draws, as its probe reports them (links are painted on a canvas, not DOM elements). */
  async links(): Promise<ProbeLink[]> {
    return this.page.evaluate(() => window.qnetCanvas?.links() ?? []);
  }

  /** Polls until the canvas draws `n` links. */
  async expectLinkCount(n: number): Promise<void> {
    await expect.poll(async () => (await this.links()).length).toBe(n);
  }

  /** The labels of the drawn links, in document order. */
  async linkLabels(): Promise<string[]> {
    return (await this.links()).flatMap((l) => (l.label ? [l.label.text] : []));
  }

  /** React Flow's viewport: screen = flow * zoom + (x, y) from the canvas's top left. */
  async viewport(): Promise<{ x: number; y: number; zoom: number }> {
    return this.page.evaluate(() => window.qnetCanvas!.viewport());
  }

  /** A flow point in page coordinates. */
  async toScreen(p: { x: number; y: number }): Promise<{ x: number; y: number }> {
    const vp = await this.viewport();
    const box = (await this.canvas.boundingBox())!;
    return { x: box.x + vp.x + p.x * vp.zoom, y: box.y + vp.y + p.y * vp.zoom };
  }

  /** Types into an inspector field (select all, then type: each key is validated as it goes). */
  async setField(name: string, value: string): Promise<void> {
    const field = this.page.getByTestId(`inspector__field__${name}`);
    await field.click();
    await field.press('ControlOrMeta+a');
    await field.pressSequentially(value);
    await field.blur();
  }

  async showProblems(): Promise<void> {
    await this.page.getByTestId('tab__problems').click();
  }

  async showCommands(): Promise<void> {
    await this.page.getByTestId('tab__commands').click();
  }

  problem(code: string): Locator {
    return this.page.getByTestId(`problems__item__${code}`);
  }

  /** The argv the Commands panel shows for a VM. */
  async argv(vm: string): Promise<string[]> {
    const el = this.page.getByTestId(`commands__argv__${vm}`);
    return JSON.parse((await el.getAttribute('data-argv')) ?? '[]') as string[];
  }

  /** Presses a shortcut on the canvas and waits for the download it starts. */
  async downloadBy(action: () => Promise<void>): Promise<Download> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), action()]);
    return download;
  }

  async save(): Promise<Download> {
    return this.downloadBy(() => this.page.keyboard.press('ControlOrMeta+s'));
  }

  /** The node's position on the canvas (flow coordinates), read from its element's place in the flow. */
  async position(id: string): Promise<{ x: number; y: number }> {
    const { left, top } = await this.page
      .locator(`.react-flow__node[data-id="${id}"]`)
      .evaluate((el) => ({ left: (el as HTMLElement).style.left, top: (el as HTMLElement).style.top }));
    if (!/px$/.test(left) || !/px$/.test(top)) throw new Error(`no position in "${left}" "${top}"`);
    return { x: parseFloat(left), y: parseFloat(top) };
  }

  /** Polls until the node is at (x, y). */
  async expectPosition(id: string, at: { x: number; y: number }): Promise<void> {
    await expect.poll(() => this.position(id)).toEqual(at);
  }

  /** Clicks a toolbar button (an export: in the Export menu) and waits for the download it starts. */
  async toolbarDownload(name: string): Promise<Download> {
    if (name.startsWith('export')) await this.page.getByTestId('toolbar__export-menu').click();
    return this.downloadBy(() => this.page.getByTestId(`toolbar__${name}`).click());
  }

  /** Opens YAML text through the file input, as the Open dialog would. */
  async openFile(name: string, text: string): Promise<void> {
    await this.page
      .getByTestId('file-input')
      .setInputFiles({ name, mimeType: 'application/yaml', buffer: Buffer.from(text) });
  }

  /**
   * The point-to-point scenario from an empty canvas: two VMs dropped from the palette, a NIC each, one wire.
   * Five undo steps.
   */
  async buildPointToPoint(): Promise<void> {
    await this.dropFromPalette('vm', 200, 160);
    await this.dropFromPalette('vm', 620, 160);
    await expect(this.node('vm2')).toBeVisible();
    await this.addNic('vm1');
    await this.addNic('vm2');
    await this.wire(this.handle('vm1', 'eth0'), this.handle('vm2', 'eth0'));
    await this.expectLinkCount(1);
  }

  /** Presses a shortcut `times` times. */
  async press(keys: string, times = 1): Promise<void> {
    for (let i = 0; i < times; i++) await this.page.keyboard.press(keys);
  }

  async openExample(stem: string): Promise<void> {
    await this.page.getByTestId('toolbar__examples').click();
    await this.page.getByTestId(`gallery__item__${stem}`).click();
    await expect(this.page.getByTestId('gallery')).toHaveCount(0);
  }

  /** Polls the toolbar's unsaved-changes mark. */
  async expectDirty(dirty: boolean): Promise<void> {
    await expect(this.page.getByTestId('toolbar__file')).toHaveAttribute('data-dirty', String(dirty));
  }

  /** The unsaved-changes question asked before the document is replaced; resolves once it is shown. */
  async expectUnsavedPrompt(file: string): Promise<Locator> {
    const dialog = this.page.getByTestId('unsaved');
    await expect(dialog).toBeVisible();
    await expect(dialog.getByTestId('unsaved__file')).toHaveText(file);
    return dialog;
  }

  /** Answers the unsaved-changes question and waits until it is gone. */
  async answerUnsaved(choice: 'save' | 'discard' | 'cancel'): Promise<void> {
    await this.page.getByTestId(`unsaved__${choice}`).click();
    await expect(this.page.getByTestId('unsaved')).toHaveCount(0);
  }

  /** A screenshot kept with the test's artifacts (test-results/e2e/…). */
  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path, fullPage: false });
  }
}
