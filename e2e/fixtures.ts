import { test as base } from '@playwright/test';
import { EditorPage } from './pages/EditorPage';
import { startServe, type Served } from './serve';

/** `server`: a real `qnet serve` per test (own state dir); `editor`: the page object, opened at its URL. */
export const test = base.extend<{ server: Served; editor: EditorPage }>({
  // Playwright reads the fixture's dependencies from its first parameter, which must be a destructuring pattern.
  // eslint-disable-next-line no-empty-pattern
  server: async ({}, use) => {
    const served = await startServe();
    await use(served);
    await served.stop();
  },
  editor: async ({ page, server }, use) => {
    const editor = new EditorPage(page, server);
    await editor.open();
    await use(editor);
  },
});

export { expect } from '@playwright/test';
