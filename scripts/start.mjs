// `npm start`: builds the CLI, the desktop main/preload and the editor, then opens the Electron window or serves
// the editor in the browser (scripts/open.mjs, in this same process).
import { spawnSync } from 'node:child_process';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;
if (run(process.execPath, ['scripts/build-cli.mjs']) !== 0) process.exit(1);
if (run(process.execPath, ['scripts/build-electron.mjs']) !== 0) process.exit(1);
if (run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']) !== 0) process.exit(1);
await import('./open.mjs');
