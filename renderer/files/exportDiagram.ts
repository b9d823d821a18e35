import { consolePorts } from '../../shared/compiler';
import { kindLabel } from '../../shared/model';
import { reportedAddresses } from '../lab/labStore';
import { sceneOf } from '../canvas/scene';
import { labelsOf } from '../plan/linkLabels';
import { planOf } from '../plan/usePlan';
import { editor } from '../store/editor';
import { diagramScene, drawScene, sceneToSvg, type DiagramColors, type NodeBox, type Scene } from './diagram';
import { download } from './download';

/** Device pixels per canvas unit in the PNG (sharp on high-density screens). */
const PNG_SCALE = 2;

/** The current theme's colours, read from the page's CSS variables. */
function colors(): DiagramColors {
  const root = document.documentElement;
  const css = getComputedStyle(root);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    background: v('--bg', '#ffffff'),
    panel: v('--panel', '#ffffff'),
    border: v('--border', '#cccccc'),
    text: v('--text', '#000000'),
    muted: v('--muted', '#666666'),
    accent: v('--accent', '#2563eb'),
    error: v('--error', '#c62828'),
    link: v('--link', '#8a94a3'),
    note: v('--note', '#fff8d6'),
    dark: root.dataset.theme === 'dark',
  };
}

/** The scene of the open document as the canvas draws it: the same geometry, routes and labels. */
function currentScene(): Scene {
  const { doc, probed } = editor.getState();
  const result = probed ? planOf(doc, probed) : null;
  const plan = result?.ok ? result.plan : null;
  const scene = sceneOf(doc, labelsOf(doc, plan));
  const reported = reportedAddresses();
  const consoles = plan ? consolePorts(plan) : new Map();
  const bad = new Set(plan?.diagnostics.filter((d) => d.severity === 'error').flatMap((d) => d.links) ?? []);
  const boxes: NodeBox[] = doc.nodes.flatMap((node) => {
    const geom = scene.geoms.get(node.id);
    return geom
      ? [
          {
            geom,
            name: node.name ?? node.id,
            kind: kindLabel(node.kind),
            sides: scene.routing.portSides.get(node.id) ?? new Map(),
            ...(reported.has(node.id) ? { reported: reported.get(node.id) } : {}),
            ...(consoles.has(node.id)
              ? { console: `${consoles.get(node.id)!.host}:${consoles.get(node.id)!.port}` }
              : {}),
          },
        ]
      : [];
  });
  return diagramScene(boxes, scene.routing.routes, doc.layout.annotations, bad, colors(), scene.loose);
}

function pngOf(scene: Scene): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(scene.width * PNG_SCALE);
  canvas.height = Math.ceil(scene.height * PNG_SCALE);
  const ctx = canvas.getContext('2d');
  if (!ctx) return Promise.reject(new Error('no 2D canvas'));
  drawScene(ctx, scene, PNG_SCALE);
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'),
  );
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
