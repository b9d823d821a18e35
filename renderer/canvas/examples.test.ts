import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../shared/compiler';
import { hostProbe } from '../../shared/compiler/testkit';
import { loadTopology } from '../../shared/model';
import { linkLabels } from '../plan/linkLabels';
import { pageTarget } from '../plan/target';
import { sceneOf } from './scene';

const dir = join(import.meta.dirname, '../../assets/examples');
const files = readdirSync(dir).filter((f) => f.endsWith('.qnet.yaml'));

// The quick form of drawing.spec's check in Chromium: each example's saved layout leaves every label room.
describe('the examples as the canvas routes them', () => {
  it.each(files)('%s: every link shows its label', (file) => {
    const r = loadTopology(readFileSync(join(dir, file), 'utf8'), file);
    if (!r.ok) throw new Error(`${file} does not load`);
    const plan = compile(r.topology, pageTarget({ probe: hostProbe(), options: {} }));
    const routes = sceneOf(r.topology, linkLabels(r.topology, plan)).routing.routes;
    expect(routes).toHaveLength(r.topology.links.length);
    const hidden = routes
      .filter((route) => !route.label?.shown)
      .map((route) => `${route.id} (${route.label?.text ?? 'no label'})`);
    expect(hidden, 'links whose label waits for a hover').toEqual([]);
  });
});
