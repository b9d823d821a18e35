import { describe, expect, it } from 'vitest';
import type { Annotation } from '../../shared/model';
import { nodeGeom } from '../canvas/geometry';
import { routeAll, type Side } from '../canvas/routes';
import { sceneOf } from '../canvas/scene';
import { emptyDocument } from '../doc/factory';
import type { Topology } from '../../shared/model';
import { diagramScene, sceneToSvg, type DiagramColors, type NodeBox } from './diagram';

const COLORS: DiagramColors = {
  background: '#fff',
  panel: '#fafafa',
  border: '#ddd',
  text: '#111',
  muted: '#666',
  accent: '#25e',
  error: '#c00',
  link: '#999',
  note: '#ffd',
  dark: false,
};

const alpha = nodeGeom(
  {
    id: 'a',
    kind: 'vm',
    name: 'alpha <1> & "one"',
    arch: 'x86_64',
    accel: 'auto',
    smp: 1,
    memory: 256,
    boot: { type: 'tiny' },
    nics: [{ id: 'eth0', model: 'virtio', mac: 'auto', form: 'device', ip: '10.0.0.1/24' }],
    extraArgs: [],
  },
  { x: 0, y: 100 },
);
const beta = nodeGeom({ id: 'b', kind: 'hub' }, { x: 400, y: 100 });
const box = (geom: typeof alpha, name: string, sides: ReadonlyMap<string, Side> = new Map()): NodeBox => ({
  geom,
  name,
  kind: 'VM',
  sides,
});

describe('diagram export', () => {
  it("shows the address a running guest reported instead of its NIC's hint, as the canvas does", () => {
    const hinted = sceneToSvg(diagramScene([box(alpha, 'alpha')], [], [], new Set(), COLORS));
    expect(hinted).toContain('>10.0.0.1/24</text>');
    const running = sceneToSvg(
      diagramScene([{ ...box(alpha, 'alpha'), reported: { eth0: '10.0.2.15/24' } }], [], [], new Set(), COLORS),
    );
    expect(running).toContain('>10.0.2.15/24</text>');
    expect(running).not.toContain('>10.0.0.1/24</text>');
    expect(running).toContain('>eth0</text>');
  });

  it("shows a guest's console TCP port after its kind, as the canvas does", () => {
    const svg = sceneToSvg(
      diagramScene([{ ...box(alpha, 'alpha'), console: '127.0.0.1:5000' }], [], [], new Set(), COLORS),
    );
    expect(svg).toContain('>VM · console 127.0.0.1:5000</text>');
    expect(sceneToSvg(diagramScene([box(alpha, 'alpha')], [], [], new Set(), COLORS))).not.toContain('console');
  });

  it('writes every node (names escaped), each link as routed, its label, the annotations, and a viewBox around all', () => {
    const routing = routeAll(
      [{ id: 'l1', a: { node: 'a', port: 'eth0' }, b: { node: 'b' }, label: 'hubport' }],
      new Map([
        ['a', alpha],
        ['b', beta],
      ]),
    );
    const notes: Annotation[] = [
      { id: 'n1', kind: 'note', x: 0, y: 0, text: 'uplink <here>' },
      { id: 'z1', kind: 'area', x: -20, y: 80, width: 640, height: 160, label: 'site A', color: 'green' },
    ];
    const scene = diagramScene(
      [box(alpha, 'alpha <1> & "one"', routing.portSides.get('a')), box(beta, 'hub')],
      routing.routes,
      notes,
      new Set(),
      COLORS,
    );
    const svg = sceneToSvg(scene);
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('alpha &lt;1&gt; &amp; &quot;one&quot;');
    expect(svg).toContain(`<rect data-node="b" x="400" y="100" width="180" height="${beta.h}"`);
    const r = routing.routes[0]!;
    expect(svg).toContain(`<path data-link="l1" d="M${r.p0.x},${r.p0.y} C`);
    // The NIC faces the hub on its right: the link leaves the row's right end.
    expect(r.p0).toEqual({ x: 180, y: 100 + alpha.ports[0]!.y });
    expect(svg).toContain('>hubport</text>');
    expect(svg).toContain('>10.0.0.1/24</text>');
    expect(svg).toContain('<rect data-annotation="z1" x="-20" y="80" width="640" height="160"');
    expect(svg).toContain('fill-opacity="0.1"');
    expect(svg).toContain('>site A</text>');
    expect(svg).toContain('>uplink &lt;here&gt;</text>');
    // The area is drawn first (under the links), the note after the nodes.
    expect(svg.indexOf('data-annotation="z1"')).toBeLessThan(svg.indexOf('data-link="l1"'));
    expect(svg.indexOf('data-annotation="n1"')).toBeGreaterThan(svg.indexOf('data-node="b"'));
    expect(scene.x).toBe(-60);
    expect(scene.y).toBe(-40);
  });

  it("draws a dangling link's loose end as the canvas does: a dashed box naming the missing endpoint, the link routed to it", () => {
    const doc: Topology = {
      ...emptyDocument(),
      nodes: [{ id: 'h1', kind: 'hub' }],
      links: [{ id: 'up', a: 'h1', b: 'ghost' }] as Topology['links'],
      layout: { nodes: { h1: { x: 0, y: 0 } }, annotations: [] },
    };
    const canvas = sceneOf(doc, new Map());
    const hub = canvas.geoms.get('h1')!;
    const scene = diagramScene(
      [{ geom: hub, name: 'h1', kind: 'Hub', sides: canvas.routing.portSides.get('h1') ?? new Map() }],
      canvas.routing.routes,
      [],
      new Set(['up']),
      COLORS,
      canvas.loose,
    );
    const svg = sceneToSvg(scene);
    const end = canvas.loose[0]!;
    expect(svg).toContain(
      `<rect data-loose="up" x="${end.geom.x}" y="${end.geom.y}" width="${end.geom.w}" height="${end.geom.h}"`,
    );
    expect(svg).toMatch(/data-loose="up"[^>]*stroke="#c00"[^>]*stroke-dasharray/);
    expect(svg).toContain('>ghost</text>');
    expect(svg).toMatch(/<path data-link="up" [^>]*stroke="#c00"/);
    // The route ends on the loose box, and the picture's frame takes the box in.
    const r = canvas.routing.routes.find((x) => x.id === 'up')!;
    const touches = (p: { x: number; y: number }) =>
      p.x >= end.geom.x - 1 &&
      p.x <= end.geom.x + end.geom.w + 1 &&
      p.y >= end.geom.y &&
      p.y <= end.geom.y + end.geom.h;
    expect(touches(r.p0) || touches(r.p3)).toBe(true);
    expect(scene.x + scene.width).toBeGreaterThan(end.geom.x + end.geom.w);
  });

  it('an empty document still gives a picture', () => {
    expect(sceneToSvg(diagramScene([], [], [], new Set(), COLORS))).toContain('width="200" height="100"');
  });
});
