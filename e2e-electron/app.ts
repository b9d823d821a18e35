/** Launching the built desktop app for a spec: its own user data and state directory, and why it cannot run. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron, type ElectronApplication, type Page } from '@playwright/test';

export const ROOT = resolve(import.meta.dirname, '..');
export const MAIN = join(ROOT, 'dist', 'electron', 'main.cjs');

/** Electron's binary, or why there is none (`require('electron')` is its path, and throws when never downloaded). */
export function electronBinary(): { readonly path: string } | { readonly reason: string } {
  let path: string;
  try {
    path = createRequire(import.meta.url)('electron') as string;
  } catch (err) {
    return {
      reason: `Electron's binary is not installed (${(err as Error).message.split('\n')[0]}); run "node node_modules/electron/install.js" where the network allows`,
    };
  }
  if (!existsSync(path))
    return {
      reason: `Electron's binary is not installed (${path} is missing); run "node node_modules/electron/install.js" where the network allows`,
    };
  return { path };
}

export interface DesktopApp {
  readonly app: ElectronApplication;
  readonly page: Page;
  readonly dir: string;
  close(): Promise<void>;
}

/** Starts the app on a fresh user-data and state directory (or those of an earlier run) and waits for its window. */
export async function launchDesktop(executablePath: string, reuseDir?: string): Promise<DesktopApp> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first`);
  const dir = reuseDir ?? mkdtempSync(join(tmpdir(), 'qnet-desktop-'));
  const app = await _electron.launch({
    executablePath,
    args: [MAIN, `--user-data-dir=${join(dir, 'user-data')}`],
    cwd: ROOT,
    env: { ...process.env, QNET_STATE_DIR: join(dir, 'state') },
  });
  const page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
  return {
    app,
    page,
    dir,
    async close() {
      await app.close();
      if (!reuseDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
