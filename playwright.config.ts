import { defineConfig } from '@playwright/test';

// Browser tests against a real `qnet serve` (started per test by e2e/fixtures.ts) in Debian's Chromium: Playwright's
// own browser download does not work on these machines.
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // The lab specs boot the tiny guest: built once here when missing.
  globalSetup: './e2e/global-setup.ts',
  outputDir: 'test-results/e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: process.env.CI ? 2 : 4,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.QNET_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
