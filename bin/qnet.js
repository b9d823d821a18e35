#!/usr/bin/env node
// The `qnet` command: runs the CLI bundle dist/qnet.mjs, building it first when it is missing
// (dependency install scripts are off, see .npmrc, so `npm ci` does not build it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/qnet.mjs', import.meta.url));
if (!existsSync(bundle)) {
  try {
    const { buildCli } = await import('../scripts/build-cli.mjs');
    await buildCli();
  } catch (error) {
    process.stderr.write(
      `qnet: cannot build the CLI (${error?.message ?? error}); run "npm ci" in the Qnet Studio folder\n`,
    );
    process.exit(1);
  }
}
await import(bundle);
