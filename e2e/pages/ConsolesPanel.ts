import { expect, type Locator, type Page } from '@playwright/test';

/** The Consoles tab of the bottom panel: one xterm.js terminal per guest of the running lab. */
export class ConsolesPanel {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('consoles');
  }

  async show(): Promise<void> {
    await this.page.getByTestId('tab__consoles').click();
    await expect(this.root).toBeVisible();
  }

  tab(vm: string): Locator {
    return this.page.getByTestId(`consoles__tab__${vm}`);
  }

  terminal(vm: string): Locator {
    return this.page.getByTestId(`consoles__terminal__${vm}`);
  }

  /** The rows xterm.js renders (the visible screen, not the whole scrollback). */
  screen(vm: string): Locator {
    return this.terminal(vm).locator('.xterm-rows');
  }

  /** How many rows the guest's terminal has (xterm.js fits them to its box). */
  async rows(vm: string): Promise<number> {
    return this.screen(vm).evaluate((rows) => rows.children.length);
  }

  /** Selects the last screen row showing `text` with a triple-click (xterm.js selects the whole line). */
  async selectRow(vm: string, text: string): Promise<void> {
    const box = await this.screen(vm).evaluate((rows, wanted) => {
      // xterm.js renders spaces as no-break spaces.
      const row = [...rows.children]
        .reverse()
        .find((r) => (r.textContent ?? '').replace(/\u00a0/g, ' ').includes(wanted));
      const b = row?.getBoundingClientRect();
      return b ? { x: b.x, y: b.y, height: b.height } : null;
    }, text);
    if (!box) throw new Error(`no row of ${vm}'s console shows "${text}"`);
    await this.page.mouse.click(box.x + 20, box.y + box.height / 2, { clickCount: 3 });
  }

  /** Shows one guest's terminal. */
  async select(vm: string): Promise<void> {
    await this.tab(vm).click();
    await expect(this.tab(vm)).toHaveAttribute('aria-selected', 'true');
    await expect(this.terminal(vm)).toBeVisible();
  }

  /** Waits until the guest's screen shows `text`. */
  async expectText(vm: string, text: string | RegExp, timeout = 10_000): Promise<void> {
    await this.select(vm);
    await expect(this.screen(vm)).toContainText(text, { timeout });
  }

  /** Types a line into the guest's console, as a user would (focus the terminal, type, Enter). */
  async typeLine(vm: string, line: string): Promise<void> {
    await this.select(vm);
    await this.terminal(vm).click();
    await this.page.keyboard.type(line);
    await this.page.keyboard.press('Enter');
  }
}
