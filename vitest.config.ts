import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure and fast) and `qemu` (real qemu-system-*, namespaces, bridges; needs root).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'electron/**/*.test.ts', 'scripts/**/*.test.ts', 'renderer/**/*.test.ts'],
          exclude: ['**/*.qemu.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
          setupFiles: ['./vitest.setup.ts'],
        },
      },
      {
        test: {
          name: 'qemu',
          include: ['**/*.qemu.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
