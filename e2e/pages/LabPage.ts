import { expect, type Locator, type Page } from '@playwright/test';

/** The one-click-lab parts of the editor: Launch/Stop, the lab state, VM badges, the Log panel. */
export class LabPage {
  constructor(readonly page: Page) {}

  badge(node: string): Locator {
    return this.page.getByTestId(`node__${node}__badge`);
  }

  state(): Locator {
    return this.page.getByTestId('toolbar__lab-state');
  }

  async launch(): Promise<void> {
    await expect(this.page.getByTestId('toolbar__launch')).toBeEnabled();
    await this.page.getByTestId('toolbar__launch').click();
  }

  async stop(): Promise<void> {
    await expect(this.page.getByTestId('toolbar__stop')).toBeEnabled();
    await this.page.getByTestId('toolbar__stop').click();
  }

  async expectBadges(nodes: readonly string[], state: string, timeout = 120_000): Promise<void> {
    for (const n of nodes) await expect(this.badge(n)).toHaveAttribute('data-state', state, { timeout });
  }

  /** The trust question asked before a launch of a document that runs things on the host; once it is shown. */
  async expectTrustPrompt(): Promise<Locator> {
    const dialog = this.page.getByTestId('trust');
    await expect(dialog).toBeVisible({ timeout: 30_000 });
    return dialog;
  }

  /** The items the trust question lists, as `node field` strings. */
  async trustItems(): Promise<string[]> {
    return this.page
      .getByTestId('trust__item')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-node')} ${e.getAttribute('data-field')}`));
  }

  /** Answers the trust question and waits until it is gone. */
  async answerTrust(choice: 'trust' | 'cancel'): Promise<void> {
    await this.page.getByTestId(`trust__${choice}`).click();
    await expect(this.page.getByTestId('trust')).toHaveCount(0);
  }

  /** The banner shown while the page has lost its server. */
  connectionBanner(): Locator {
    return this.page.getByTestId('connection-banner');
  }

  /** The notice at the bottom of the canvas (what an action said). */
  notice(): Locator {
    return this.page.getByTestId('notice');
  }

  /** Opens the toolbar's list of every lab the server has. */
  async openLabList(): Promise<void> {
    await this.state().click();
    await expect(this.page.getByTestId('labs')).toBeVisible();
  }

  /** One lab in the open lab list. */
  labItem(lab: string): Locator {
    return this.page.getByTestId(`labs__item__${lab}`);
  }

  async showLog(): Promise<void> {
    await this.page.getByTestId('tab__log').click();
  }
}
