import { test as base, expect } from '@playwright/test';
import { missingPrograms } from '../electron/testkit/qemuProbe';
import { ConsolesPanel } from './pages/ConsolesPanel';
import { EditorPage } from './pages/EditorPage';
import { LabPage } from './pages/LabPage';
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

/** Why a spec that runs real labs in network namespaces cannot run here (not root, QEMU or ip missing), or null. */
export const noLabs: string | null = (() => {
  const missing = missingPrograms(['qemu-system-x86_64', 'ip']);
  if (process.getuid?.() !== 0) return 'needs root (the labs run in network namespaces)';
  return missing.length ? `missing ${missing.join(', ')}` : null;
})();

/** The document a lab spec opens: its file name, its text, and a node that shows once it is drawn. */
export interface LabDocument {
  readonly file: string;
  readonly yaml: string;
  readonly node: string;
}

/**
 * The fixtures of a spec that runs labs: `server`, a real `qnet serve --isolation netns` per test; `editor`, the
 * page, with `doc` opened and drawn when given; `lab` and `consoles`, the page objects of the lab controls and the
 * Consoles tab.
 */
export function labTest(doc?: LabDocument) {
  return base.extend<{ server: Served; editor: EditorPage; lab: LabPage; consoles: ConsolesPanel }>({
    // eslint-disable-next-line no-empty-pattern
    server: async ({}, use) => {
      const served = await startServe(['--isolation', 'netns']);
      await use(served);
      await served.stop();
    },
    editor: async ({ page, server }, use) => {
      const editor = new EditorPage(page, server);
      await editor.open();
      if (doc) {
        await editor.openFile(doc.file, doc.yaml);
        await expect(editor.node(doc.node)).toBeVisible();
      }
      await use(editor);
    },
    lab: async ({ page }, use) => use(new LabPage(page)),
    consoles: async ({ page }, use) => use(new ConsolesPanel(page)),
  });
}
