// Bundles the Electron main process and preload (by `npm run build`): dist/electron/main.cjs and preload.cjs.
// The renderer is Vite's build in dist/renderer/, which main serves to the window on its own scheme.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: 'linked',
  logLevel: 'warning',
  external: ['electron'],
  // electron/guest/build.ts finds assets/guest from import.meta.url by default; main always passes the directory
  // (app.ts), so that default, empty in CommonJS, is never taken here.
  logOverride: { 'empty-import-meta': 'silent' },
};

/** Writes dist/electron/main.cjs and dist/electron/preload.cjs. */
export async function buildElectron() {
  await Promise.all([
    build({ ...common, entryPoints: ['electron/main/entry.ts'], outfile: 'dist/electron/main.cjs' }),
    // Sandboxed preloads may require only `electron` (and a few Node built-ins): everything else is bundled in.
    build({ ...common, entryPoints: ['electron/preload/preload.ts'], outfile: 'dist/electron/preload.cjs' }),
  ]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildElectron();
