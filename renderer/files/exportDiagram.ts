import { kindLabel, linkId, resolveEndpoint } from '../../shared/model';
import type { Topology } from '../../shared/model';
import { NODE_W } from '../canvas/autoLayout';
import { portsOf } from '../canvas/TopoNode';
import { linkLabels } from '../plan/linkLabels';
import { planOf } from '../plan/usePlan';
import { editor } from '../store/editor';
import { diagramScene, drawScene, sceneToSvg, type DiagramColors, type NodeBox, type Scene } from './diagram';
import { download } from './download';

/** Device pixels per canvas unit in the PNG (sharp on high-density screens). */
const PNG_SCALE = 2;

/** A node's box as the canvas laid it out (size and port rows measured in the DOM, unscaled by the zoom). */
function measure(doc: Topology): NodeBox[] {
  return doc.nodes.map((node, i) => {
    const at = doc.layout.nodes[node.id] ?? { x: 40 + (i % 6) * 220, y: 40 + Math.floor(i / 6) * 140 };
    const el = document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(node.id)}"]`);
    const named = node.kind === 'vm' || node.kind === 'host';
    const ports = named ? portsOf(node) : [];
    const rows = el ? [...el.querySelectorAll<HTMLElement>('.topo-node__port[data-testid]')] : [];
    return {
      id: node.id,
      name: node.name ?? node.id,
      kind: kindLabel(node.kind),
      x: at.x,
      y: at.y,
      width: el?.offsetWidth || NODE_W,
      height: el?.offsetHeight || 48 + ports.length * 19,
      ports: ports.map((id, r) => {
        const row = rows[r];
        return { id, y: row ? row.offsetTop + row.offsetHeight / 2 : 56 + r * 19 };
      }),
    };
  });
}

/** The current theme's colours, read from the page's CSS variables. */
function colors(): DiagramColors {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    background: v('--bg', '#ffffff'),
    panel: v('--panel', '#ffffff'),
    border: v('--border', '#cccccc'),
    text: v('--text', '#000000'),
    muted: v('--muted', '#666666'),
    accent: v('--accent', '#2563eb'),
    error: v('--error', '#c62828'),
  };
}

/** The scene of the open document as it looks on the canvas now. */
export function currentScene(): Scene {
  const { doc, probed } = editor.getState();
  const result = probed ? planOf(doc, probed) : null;
  const plan = result?.ok ? result.plan : null;
  const labels = linkLabels(doc, plan);
  const bad = new Set(plan?.diagnostics.filter((d) => d.severity === 'error').flatMap((d) => d.links) ?? []);
  const edges = doc.links.map((link, i) => {
    const id = linkId(link, i);
    const label = labels.get(id);
    return { a: resolveEndpoint(link.a), b: resolveEndpoint(link.b), error: bad.has(id), ...(label ? { label } : {}) };
  });
  return diagramScene(measure(doc), edges, colors());
}

function pngOf(scene: Scene): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(scene.width * PNG_SCALE);
  canvas.height = Math.ceil(scene.height * PNG_SCALE);
  const ctx = canvas.getContext('2d');
  if (!ctx) return Promise.reject(new Error('no 2D canvas'));
  drawScene(ctx, scene, PNG_SCALE);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}

/** Downloads the diagram as `<name>.svg` or `<name>.png`. */
export async function exportDiagram(format: 'svg' | 'png'): Promise<void> {
  const s = editor.getState();
  const scene = currentScene();
  const file = `${s.doc.name}.${format}`;
  try {
    if (format === 'svg') download(file, sceneToSvg(scene), 'image/svg+xml');
    else download(file, new Uint8Array(await (await pngOf(scene)).arrayBuffer()), 'image/png');
    s.notify('info', `Exported ${file}`);
  } catch (error) {
    s.notify('error', `Cannot export ${file}: ${(error as Error).message}`);
  }
}
