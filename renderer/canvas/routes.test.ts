import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TopologyNode } from '../../shared/model';
import { nodeGeom, overlaps, type NodeGeom } from './geometry';
import { BoxGrid, curveHitsRect, rerouteSome, routeAll, segmentHitsRect, type LinkSpec } from './routes';

const vm = (id: string, nics = 1): TopologyNode => ({
  id,
  kind: 'vm',
  arch: 'x86_64',
  accel: 'auto',
  smp: 1,
  memory: 256,
  boot: { type: 'tiny' },
  nics: Array.from({ length: nics }, (_, i) => ({ id: `eth${i}`, model: 'virtio', mac: 'auto', form: 'device' })),
  extraArgs: [],
});
const hub = (id: string): TopologyNode => ({ id, kind: 'hub' });

function geoms(list: [TopologyNode, number, number][]): Map<string, NodeGeom> {
  return new Map(list.map(([n, x, y]) => [n.id, nodeGeom(n, { x, y })]));
}

describe('segmentHitsRect', () => {
  const r = { x: 0, y: 0, w: 10, h: 10 };
  it('sees a segment through, into or along the inside; not one outside or touching an edge', () => {
    expect(segmentHitsRect(-5, 5, 15, 5, r)).toBe(true);
    expect(segmentHitsRect(5, 5, 20, 20, r)).toBe(true);
    expect(segmentHitsRect(-5, -5, 15, -5, r)).toBe(false);
    expect(segmentHitsRect(-5, 0, 15, 0, r)).toBe(false);
    expect(segmentHitsRect(-5, 20, 20, -5, r)).toBe(true);
    expect(segmentHitsRect(-5, 30, 30, -5, r)).toBe(false);
  });
});

describe('routeAll', () => {
  it('a NIC faces its peer: a peer on the left takes the left end of the row, and says so for the handle', () => {
    const g = geoms([
      [vm('a'), 400, 0],
      [hub('h'), 0, 0],
    ]);
    const { routes, portSides } = routeAll([{ id: 'l', a: { node: 'a', port: 'eth0' }, b: { node: 'h' } }], g);
    const r = routes[0]!;
    expect(r.sides).toEqual(['left', 'right']);
    expect(r.p0).toEqual({ x: 400, y: g.get('a')!.ports[0]!.y });
    expect(portSides.get('a')?.get('eth0')).toBe('left');
  });

  it("a plain node takes links on the side facing each peer, spread along the side in the peers' order", () => {
    const g = geoms([
      [hub('h'), 400, 200],
      [vm('a'), 0, 0],
      [vm('b'), 0, 200],
      [vm('c'), 0, 400],
      [vm('d'), 420, 600],
    ]);
    const specs: LinkSpec[] = ['a', 'b', 'c', 'd'].map((n) => ({
      id: n,
      a: { node: n, port: 'eth0' },
      b: { node: 'h' },
    }));
    const { byId } = routeAll(specs, g);
    expect(['a', 'b', 'c'].map((n) => byId.get(n)!.sides[1])).toEqual(['left', 'left', 'left']);
    const ys = ['a', 'b', 'c'].map((n) => byId.get(n)!.p3.y);
    expect(ys[0]).toBeLessThan(ys[1]!);
    expect(ys[1]).toBeLessThan(ys[2]!);
    expect(byId.get('d')!.sides[1]).toBe('bottom');
  });

  it('goes around a node in the way when another side is free', () => {
    // b's NIC on its right would run straight through x; its left end is free.
    const g = geoms([
      [vm('a'), 0, 0],
      [hub('x'), 230, 0],
      [vm('b'), 480, -10],
    ]);
    const { routes } = routeAll([{ id: 'l', a: { node: 'a', port: 'eth0' }, b: { node: 'b', port: 'eth0' } }], g);
    expect(curveHitsRect(routes[0]!.pts, g.get('x')!)).toBe(false);
  });

  it('property: between nodes that do not overlap, no link passes through either of its own nodes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -800, max: 800 }),
        fc.integer({ min: -600, max: 600 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        (dx, dy, plain, nics) => {
          const a = vm('a', nics);
          const b = plain ? hub('b') : vm('b', 1);
          const g = geoms([
            [a, 0, 0],
            [b, dx, dy],
          ]);
          const ga = g.get('a')!;
          const gb = g.get('b')!;
          // A gap of 20 around each: nodes placed on the grid never overlap closer than that by accident.
          fc.pre(!overlaps({ x: ga.x - 20, y: ga.y - 20, w: ga.w + 40, h: ga.h + 40 }, gb));
          const spec: LinkSpec = {
            id: 'l',
            a: { node: 'a', port: `eth${nics - 1}` },
            b: plain ? { node: 'b' } : { node: 'b', port: 'eth0' },
          };
          const r = routeAll([spec], g).routes[0]!;
          expect(curveHitsRect(r.pts, ga)).toBe(false);
          expect(curveHitsRect(r.pts, gb)).toBe(false);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('property: shown labels overlap no other label and no node', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 5 })), {
          minLength: 2,
          maxLength: 14,
        }),
        (cells) => {
          const uniq = [...new Map(cells.map(([x, y]) => [`${x},${y}`, [x, y] as const])).values()];
          fc.pre(uniq.length >= 2);
          const list: [TopologyNode, number, number][] = uniq.map(([x, y], i) => [vm(`v${i}`, 2), x * 240, y * 140]);
          const g = geoms(list);
          const specs: LinkSpec[] = list.slice(1).map(([n], i) => ({
            id: `l${i}`,
            a: { node: n.id, port: 'eth0' },
            b: { node: list[i]![0].id, port: 'eth1' },
            label: 'stream',
          }));
          const shown = routeAll(specs, g).routes.flatMap((r) => (r.label?.shown ? [r.label] : []));
          const box = (l: (typeof shown)[number]) => ({ x: l.x - l.w / 2, y: l.y - l.h / 2, w: l.w, h: l.h });
          shown.forEach((l, i) => {
            for (const other of shown.slice(i + 1)) expect(overlaps(box(l), box(other))).toBe(false);
            for (const n of g.values()) expect(overlaps(box(l), n)).toBe(false);
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('rerouteSome (a drag)', () => {
  it("routes the dragged node's links from its new place; the ends that stay keep their point", () => {
    const g = geoms([
      [hub('h'), 400, 200],
      [vm('a'), 0, 0],
      [vm('b'), 0, 300],
    ]);
    const specs: LinkSpec[] = ['a', 'b'].map((n) => ({ id: n, a: { node: n, port: 'eth0' }, b: { node: 'h' } }));
    const before = routeAll(specs, g);
    const moved = new Map([['a', nodeGeom(vm('a'), { x: 0, y: 40 })]]);
    const world = { geoms: new Map([...g, ...moved]), grid: new BoxGrid(g.values()), moved };
    const [r] = rerouteSome([specs[0]!], world, before.byId);
    expect(r!.p0.y).toBe(40 + g.get('a')!.ports[0]!.y);
    expect(r!.p3).toEqual(before.byId.get('a')!.p3);
  });
});
