// `npm start`: builds the CLI, the desktop main/preload and the editor, then opens the Electron window. Where that
// cannot work (Electron's binary was never downloaded, e.g. on an offline install; no display) it says why and
// serves the editor in the browser instead, by `qnet serve` on 127.0.0.1 with a token in the printed URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;
if (run(process.execPath, ['scripts/build-cli.mjs']) !== 0) process.exit(1);
if (run(process.execPath, ['scripts/build-electron.mjs']) !== 0) process.exit(1);
if (run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']) !== 0) process.exit(1);

/** Electron's binary path, or why the window cannot open here. */
function electronOrReason() {
  let binary;
  try {
    binary = createRequire(import.meta.url)('electron');
  } catch {
    binary = null;
  }
  if (!binary || !existsSync(binary)) {
    return { reason: "Electron's binary is not installed (run `node node_modules/electron/install.js` where the network allows)" };
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { reason: 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  return { binary };
}

const forward = (child) => {
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
};

const electron = electronOrReason();
if (electron.binary) {
  forward(spawn(electron.binary, ['dist/electron/main.cjs', ...process.argv.slice(2)], { stdio: 'inherit' }));
} else {
  console.log(`Qnet Studio: cannot open the desktop window: ${electron.reason}; serving the editor in your browser instead.`);
  forward(spawn(process.execPath, ['bin/qnet.js', 'serve', ...process.argv.slice(2)], { stdio: 'inherit' }));
}
