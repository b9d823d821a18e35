import { describe, expect, it } from 'vitest';
import { diagramScene, sceneToSvg, type DiagramColors, type NodeBox } from './diagram';

const COLORS: DiagramColors = { background: '#fff', panel: '#fafafa', border: '#ddd', text: '#111', muted: '#666', accent: '#25e', error: '#c00' };
const box = (id: string, x: number, ports: string[] = []): NodeBox => ({
  id,
  name: id === 'a' ? 'alpha <1> & "one"' : id,
  kind: 'VM',
  x,
  y: 100,
  width: 160,
  height: 80,
  ports: ports.map((p, i) => ({ id: p, y: 50 + i * 18 })),
});

describe('diagram export', () => {
  it('writes an SVG with every node (names escaped), each edge, its label, and a viewBox around all of it', () => {
    const scene = diagramScene([box('a', 0, ['eth0']), box('b', 400)], [{ a: { node: 'a', port: 'eth0' }, b: { node: 'b' }, label: 'stream' }], COLORS);
    const svg = sceneToSvg(scene);
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('alpha &lt;1&gt; &amp; &quot;one&quot;');
    expect(svg).toContain('<rect data-node="b" x="400" y="100" width="160" height="80"');
    expect(svg).toContain('<path d="M160,150 C');
    expect(svg).toContain('>stream</text>');
    expect(svg).toContain('viewBox="-40 60 ');
    expect(scene.x + scene.width).toBeGreaterThanOrEqual(560);
  });

  it('an empty document still gives a picture', () => {
    expect(sceneToSvg(diagramScene([], [], COLORS))).toContain('width="200" height="100"');
  });
});
