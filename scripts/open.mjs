// What `npm start` runs once everything is built: the Electron window, or, where that cannot work (Electron's
// binary was never downloaded, e.g. on an offline install; no display), `qnet serve` on 127.0.0.1 with a token in
// the printed URL. The child stays in this process group: Ctrl+C in the terminal reaches it directly, and a signal
// sent to this process alone (kill PID) is passed on; the child treats a repeated signal as the same request, so
// its labs are stopped before it exits.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';

/** Electron's binary path, or why the window cannot open here. */
function electronOrReason() {
  let binary;
  try {
    binary = createRequire(import.meta.url)('electron');
  } catch {
    binary = null;
  }
  if (!binary || !existsSync(binary)) {
    return {
      reason:
        "Electron's binary is not installed (run `node node_modules/electron/install.js` where the network allows)",
    };
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return { reason: 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  return { binary };
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
const electron = electronOrReason();
if (electron.binary) {
  forward(spawn(electron.binary, ['dist/electron/main.cjs', ...args], { stdio: 'inherit' }));
} else {
  console.log(
    `Qnet Studio: cannot open the desktop window: ${electron.reason}; serving the editor in your browser instead.`,
  );
  forward(spawn(process.execPath, ['bin/qnet.js', 'serve', ...args], { stdio: 'inherit' }));
}
