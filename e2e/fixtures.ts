import { homedir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect } from '@playwright/test';
import { missingPrograms } from '../electron/testkit/qemuProbe';
import { testUser, userHome, type UserHome } from '../electron/testkit/users';
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

/** What a lab spec may set with `test.use`. */
export interface LabOptions {
  /** `qnet serve --isolation`: netns unless the spec says otherwise. */
  readonly isolation: 'netns' | 'userns';
  /** Serve as this unprivileged user (made when missing), from a home of its own (`home`), instead of as root. */
  readonly serveAs: string | null;
}

/** The x86_64 tiny guest this user built, which a test user's home gets a copy of. */
const guestCache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'qnet/guest/x86_64');

/**
 * The fixtures of a spec that runs labs: `server`, a real `qnet serve --isolation <isolation>` per test (as root, or
 * as the `serveAs` user from `home`, its home with sudo/pkexec shims); `editor`, the page, with `doc` opened and
 * drawn when given; `lab` and `consoles`, the page objects of the lab controls and the Consoles tab.
 */
export function labTest(doc?: LabDocument) {
  return base.extend<
    LabOptions & { home: UserHome | null; server: Served; editor: EditorPage; lab: LabPage; consoles: ConsolesPanel }
  >({
    isolation: ['netns', { option: true }],
    serveAs: [null, { option: true }],
    home: async ({ serveAs }, use) => {
      if (serveAs === null) return use(null);
      const home = userHome(testUser(serveAs), guestCache, `qnet-e2e-${serveAs}-`);
      await use(home);
      home.remove();
    },
    server: async ({ isolation, home }, use) => {
      const served = await startServe(['--isolation', isolation], home ?? undefined);
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
