// The layer map of CONTEXT.md ("may import"), enforced: `npx eslint .` fails on a production file importing a layer
// or a package its row does not list. Tests (`*.test.ts`, `*.spec.ts`) may import anything: they drive the layers.
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Every layer (a folder; `shared/` alone is the contract files at its top, `shared/*.ts`) with the layers, single
 * modules and packages it may import.
 */
export const LAYERS = {
  'shared/model/': { layers: ['shared/'], packages: ['zod', 'yaml', 'js-yaml'] },
  'shared/compiler/': { layers: ['shared/model/', 'shared/'], packages: [] },
  'shared/import/': { layers: ['shared/model/', 'shared/compiler/', 'shared/'], packages: [] },
  'shared/emit/': { layers: ['shared/model/', 'shared/compiler/', 'shared/'], packages: [] },
  'shared/acceptance/': { layers: ['*'], packages: ['*'] },
  'shared/': { layers: ['shared/*'], packages: [] },
  'electron/cli/': {
    layers: ['shared/*', 'electron/engine/', 'electron/guest/', 'electron/qemu/', 'electron/server/'],
    packages: ['node:*'],
  },
  // The engine reads the tiny guest's ready line with the guest's own parser, and a QEMU the user chose for a launch
  // as `--qemu` reads it.
  'electron/engine/': {
    layers: ['shared/*', 'electron/guest/ready', 'electron/qemu/install', 'electron/qemu/chosen'],
    packages: ['node:*'],
  },
  'electron/guest/': { layers: ['shared/*', 'electron/engine/'], packages: ['node:*'] },
  'electron/qemu/': { layers: ['shared/*', 'electron/engine/', 'electron/guest/'], packages: ['node:*'] },
  // Scenario bodies run by the suites of both QEMUs (scenarios/examples.ts) assert with vitest's expect.
  'electron/testkit/': { layers: ['shared/*', 'electron/engine/', 'electron/guest/'], packages: ['node:*', 'vitest'] },
  'electron/main/': {
    layers: ['shared/*', 'electron/engine/', 'electron/guest/', 'electron/server/'],
    packages: ['node:*', 'electron'],
  },
  'electron/preload/': { layers: ['shared/'], packages: ['electron'] },
  'electron/server/': { layers: ['shared/*'], packages: ['node:*', 'ws'] },
  'renderer/': {
    layers: ['shared/*', 'assets/'],
    packages: ['react', 'react-dom', '@xyflow/react', 'zustand', '@xterm/xterm', '@xterm/addon-fit', 'elkjs', 'zod'],
  },
};
const PREFIXES = Object.keys(LAYERS).sort((a, b) => b.length - a.length);

/** The layer a repository path belongs to, or null for a path outside the map (scripts, bench, e2e…). */
function layerOf(path) {
  return PREFIXES.find((p) => path.startsWith(p) && (p !== 'shared/' || !path.slice(p.length).includes('/'))) ?? null;
}

const allowsLayer = (allowed, target) =>
  allowed.some((a) => a === '*' || a === target || (a === 'shared/*' && target.startsWith('shared/')));
const packageName = (spec) =>
  spec.startsWith('node:')
    ? 'node:*'
    : spec
        .split('/')
        .slice(0, spec.startsWith('@') ? 2 : 1)
        .join('/');

const rule = {
  meta: {
    type: 'problem',
    schema: [],
    messages: { layer: '{{from}} may not import {{what}} (CONTEXT.md, "may import").' },
  },
  create(context) {
    const file = relative(ROOT, context.filename).split(sep).join('/');
    const from = layerOf(file);
    if (!from || /\.(test|spec)\.tsx?$/.test(file)) return {};
    const allowed = LAYERS[from];
    const check = (node) => {
      const spec = node?.source?.value;
      if (typeof spec !== 'string') return;
      if (!spec.startsWith('.')) {
        const name = packageName(spec);
        if (!allowed.packages.includes('*') && !allowed.packages.includes(name))
          context.report({ node, messageId: 'layer', data: { from, what: `the package ${name}` } });
        return;
      }
      const target = relative(ROOT, resolve(dirname(context.filename), spec))
        .split(sep)
        .join('/');
      const to = layerOf(`${target}/`) ?? layerOf(target) ?? `${target.split('/')[0]}/`;
      if (
        to !== from &&
        !allowsLayer(allowed.layers, to) &&
        !allowed.layers.includes(target.replace(/\.[cm]?[jt]sx?$/, ''))
      )
        context.report({ node, messageId: 'layer', data: { from, what: to } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

/** The `layers` plugin: one rule, `layers/may-import`. */
export const layersPlugin = { rules: { 'may-import': rule } };
