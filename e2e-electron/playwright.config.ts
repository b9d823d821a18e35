import { defineConfig } from '@playwright/test';

// The desktop window through Playwright's `_electron`: runs wherever Electron's binary is installed (see
// electronBinary() in app.ts: without it every spec skips, printing why). Needs `npm run build` first.
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../test-results/e2e-electron',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  reporter: [['list']],
});
