#!/usr/bin/env node
// The `qnet` command: runs the CLI bundle that `npm ci` / `npm run build` writes to dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/qnet.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('qnet: the CLI is not built yet; run "npm run build" in the Qnet Studio folder\n');
  process.exit(1);
}
await import(bundle);
