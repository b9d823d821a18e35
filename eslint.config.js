import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layersPlugin } from './scripts/eslint-layers.js';

// shared/ is the pure core: no Node, DOM, React or Electron (DESIGN.md "Layout").
const sharedForbidden = {
  patterns: [
    { group: ['node:*'], message: 'shared/ is pure TypeScript: no Node imports.' },
    {
      group: ['react', 'react-dom', 'react/*', 'react-dom/*', '@xyflow/*', 'zustand', 'zustand/*'],
      message: 'shared/ must not import UI libraries.',
    },
    { group: ['electron', 'electron/*'], message: 'shared/ must not import Electron.' },
    {
      group: ['execa', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'crypto', 'util', 'events', 'stream'],
      message: 'shared/ is pure TypeScript: no Node imports.',
    },
    {
      group: ['../../electron/*', '../electron/*', '../../renderer/*', '../renderer/*'],
      message: 'shared/ must not import the app layers.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'coverage/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Each folder imports only what its row of CONTEXT.md's layer map lists.
    files: ['**/*.{ts,tsx}'],
    plugins: { layers: layersPlugin },
    rules: { 'layers/may-import': 'error' },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: ['shared/**/*.test.ts', 'shared/acceptance/**'],
    rules: {
      'no-restricted-imports': ['error', sharedForbidden],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'require', 'Buffer', '__dirname'],
    },
  },
  {
    files: ['scripts/**/*.{js,mjs}', 'bin/**/*.js', 'bench/**/*.{js,mjs}', 'electron/testkit/**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
);
