// `npm start`: builds the CLI and the editor, then opens the editor. The Electron window comes with the desktop
// issue; until then (and wherever Electron's binary cannot be had) the editor is served in the browser by
// `qnet serve` on 127.0.0.1, with a token in the printed URL.
import { spawn, spawnSync } from 'node:child_process';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;
if (run(process.execPath, ['scripts/build-cli.mjs']) !== 0) process.exit(1);
if (run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']) !== 0) process.exit(1);
console.log('Qnet Studio: the desktop window is not built yet; serving the editor in your browser instead.');
const serve = spawn(process.execPath, ['bin/qnet.js', 'serve', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => serve.kill(signal));
serve.on('exit', (code) => process.exit(code ?? 0));
