// Bundles the `qnet` CLI into dist/qnet.mjs (by `npm run build`, `npm test`, and bin/qnet.js on first use).
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Writes dist/qnet.mjs from electron/cli/entry.ts. */
export async function buildCli() {
  await build({
    absWorkingDir: root,
    entryPoints: ['electron/cli/entry.ts'],
    outfile: 'dist/qnet.mjs',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __qnetRequire } from 'node:module'; const require = __qnetRequire(import.meta.url);",
    },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildCli();
