// Bundles the `qnet` CLI into dist/qnet.mjs (run by `npm ci` through `prepare`, and by `npm run build`).
import { build } from 'esbuild';

await build({
  entryPoints: ['electron/cli/entry.ts'],
  outfile: 'dist/qnet.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __qnetRequire } from 'node:module'; const require = __qnetRequire(import.meta.url);" },
});
