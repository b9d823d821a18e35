import { defineConfig } from 'vite';

// The renderer: React + TSX compiled by Vite itself (automatic JSX runtime), built to dist/renderer/ for
// `qnet serve` (and later the Electron window). Relative base so the same build works from file:// too.
export default defineConfig({
  root: 'renderer',
  base: './',
  publicDir: false,
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      // @xyflow/react starts with "use client" (for server components); meaningless in this bundle.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
