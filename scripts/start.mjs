// `npm start`: the desktop window comes with the canvas and desktop issues. Until then this builds the CLI and
// shows what Qnet Studio does on an example: the exact QEMU command lines of a point-to-point lab.
import { spawnSync } from 'node:child_process';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;
if (run(process.execPath, ['scripts/build-cli.mjs']) !== 0) process.exit(1);
const example = 'assets/examples/05-socket-pair.qnet.yaml';
console.log(`Qnet Studio: compiling ${example} (the canvas UI is not built yet; see README)\n`);
const status = run(process.execPath, ['bin/qnet.js', 'compile', example]);
console.log(`\nTry: npx qnet validate|compile|export FILE, npx qnet --help`);
process.exit(status);
