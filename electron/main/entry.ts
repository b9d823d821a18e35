/**
 * The Electron main process (bundled to dist/electron/main.cjs by scripts/build-electron.mjs). The app scheme must
 * be registered before the app is ready, so it happens here, first.
 */
import { resolve } from 'node:path';
import { app } from 'electron';
import { runApp } from './app';
import { registerAppScheme } from './protocol';

registerAppScheme();
// The bundle sits in <root>/dist/electron/ (inside app.asar once packaged).
runApp(resolve(__dirname, '..', '..')).catch((err: unknown) => {
  console.error(`Qnet Studio could not start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  app.exit(1);
});
