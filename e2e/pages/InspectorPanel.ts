import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { ROOT } from '../serve';

/** The inspector, the Problems panel's fixes and the Commands panel's target options, driven like a user would. */
export class InspectorPanel {
  constructor(readonly page: Page) {}

  field(name: string): Locator {
    return this.page.getByTestId(`inspector__field__${name}`);
  }

  error(name: string): Locator {
    return this.page.getByTestId(`inspector__error__${name}`);
  }

  /** Opens a fixture of `e2e/fixes/` through the page's file input, as a user picking the file would. */
  async openFixture(file: string): Promise<void> {
    const text = readFileSync(join(ROOT, 'e2e', 'fixes', file));
    await this.page.getByTestId('file-input').setInputFiles({ name: file, mimeType: 'application/yaml', buffer: text });
    await expect(this.page.getByTestId('toolbar__file')).toContainText(file);
  }

  /** Clicks a problem's one-click fix. */
  async applyFix(code: string): Promise<void> {
    await this.page.getByTestId(`problems__fix__${code}`).click();
  }

  /** Sets the page's compile target option in the Commands panel header. */
  async setTarget(field: 'privilege' | 'isolation', value: string): Promise<void> {
    await this.page.getByTestId(`commands__target__${field}`).selectOption(value);
    await expect(this.page.getByTestId(`commands__target__${field}`)).toHaveValue(value);
  }

  /** Polls the argv the Commands panel shows for a VM until one word matches. */
  async expectArgvWord(vm: string, word: RegExp | string): Promise<void> {
    await expect
      .poll(
        async () =>
          JSON.parse(
            (await this.page.getByTestId(`commands__argv__${vm}`).getAttribute('data-argv')) ?? '[]',
          ) as string[],
      )
      .toEqual(
        expect.arrayContaining([
          typeof word === 'string' ? expect.stringContaining(word) : expect.stringMatching(word),
        ]),
      );
  }
}
