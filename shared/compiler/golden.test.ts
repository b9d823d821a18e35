import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology } from '../model';
import { planToJson } from '../emit/json';
import { compile } from './index';
import { DEFAULT_TARGET } from './target';
import type { Target } from './target';

// Golden plans: each example compiled for one fixed target. A change to any argv shows up as a diff here.
const dir = join(import.meta.dirname, '../../assets/examples');
const examples = readdirSync(dir)
  .filter((f) => f.endsWith('.qnet.yaml'))
  .sort();

const target: Target = {
  ...DEFAULT_TARGET,
  stateDir: '/run/qnet',
  privilege: 'root',
  netdevBackends: [
    'socket',
    'stream',
    'dgram',
    'hubport',
    'tap',
    'user',
    'l2tpv3',
    'vde',
    'bridge',
    'vhost-user',
    'vhost-vdpa',
  ],
  tinyGuest: {
    x86_64: {
      kernel: '/var/cache/qnet/guest/x86_64/vmlinuz',
      initrd: '/var/cache/qnet/guest/x86_64/initramfs.cpio.gz',
    },
    aarch64: {
      kernel: '/var/cache/qnet/guest/aarch64/vmlinuz',
      initrd: '/var/cache/qnet/guest/aarch64/initramfs.cpio.gz',
    },
  },
};

describe('golden plans of the examples', () => {
  it.each(examples)('%s', async (file) => {
    const loaded = loadTopology(readFileSync(join(dir, file), 'utf8'), file);
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
    const privilege = file.includes('helper') ? 'helper' : 'root';
    const plan = compile(loaded.topology, { ...target, privilege });
    expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    await expect(planToJson(plan)).toMatchFileSnapshot(`./__golden__/${file.replace('.qnet.yaml', '.plan.json')}`);
  });
});
