// What `npm start` runs once everything is built: the Electron window, or, where that cannot work, `qnet serve` on
// 127.0.0.1 with a token in the printed URL. A missing Electron binary (`npm ci` runs no install scripts, see
// .npmrc) is fetched first (scripts/electron-fetch.mjs); the browser is the fallback only when that fails or is
// skipped, or when there is no display. Without a display nothing is downloaded: the window could not open anyway,
// and the next start from a desktop session fetches it. The child stays in this process group: Ctrl+C in the
// terminal reaches it directly, and a signal sent to this process alone (kill PID) is passed on; the child treats a
// repeated signal as the same request, so its labs are stopped before it exits.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { fetchElectron } from './electron-fetch.mjs';

/** Electron's binary path when it is installed (electron's index.js throws before the first install). */
function installedElectron() {
  let binary;
  try {
    // A fresh require each time: the path is read from path.txt, which the installer writes last.
    const require = createRequire(import.meta.url);
    delete require.cache[require.resolve('electron')];
    binary = require('electron');
  } catch {
    return null;
  }
  return existsSync(binary) ? binary : null;
}

/** Electron's binary path, fetched when missing, or why the window cannot open here. */
async function electronOrReason() {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return { reason: 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  const binary = installedElectron();
  if (binary) return { binary };
  const fetched = await fetchElectron();
  if (fetched.reason) return fetched;
  const after = installedElectron();
  if (after) return { binary: after };
  return { reason: "Electron's installer ended without installing its binary (is ELECTRON_SKIP_BINARY_DOWNLOAD set?)" };
}

/** Passes SIGINT/SIGTERM/SIGHUP on to the child and ends as it ends (a signal's death as the shell reports it). */
function forward(child) {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}

const args = process.argv.slice(2);
const electron = await electronOrReason();
if (electron.binary) {
  forward(spawn(electron.binary, ['dist/electron/main.cjs', ...args], { stdio: 'inherit' }));
} else {
  console.log(
    `Qnet Studio: cannot open the desktop window: ${electron.reason}; serving the editor in your browser instead.`,
  );
  forward(spawn(process.execPath, ['bin/qnet.js', 'serve', ...args], { stdio: 'inherit' }));
}
