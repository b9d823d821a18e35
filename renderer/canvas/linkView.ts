import { nodeGeom, type NodeGeom, type XY } from './geometry';
import {
  beginPaint,
  hitLink,
  LABEL_MIN_ZOOM,
  paintLinks,
  type LinkColors,
  type LinkMarks,
  type PaintCount,
  type Viewport,
} from './linkPainter';
import { BoxGrid, rerouteSome, type Route } from './routes';
import type { Scene } from './scene';
import type { Topology } from '../../shared/model';

/**
 * The link layer under React Flow's nodes: a base canvas with every link, and an overlay with what changes often
 * (the links of nodes being dragged, the hovered link). A drag paints the base once without the dragged nodes' links
 * and then only the overlay per pointer move, in the same task as the node moves, so both show in one frame.
 */
export class LinkView {
  private scene: Scene | null = null;
  private vp: Viewport = { x: 0, y: 0, zoom: 1 };
  private size = { w: 0, h: 0 };
  private dpr = 1;
  private colors: LinkColors | null = null;
  private marks: LinkMarks = { selected: new Set(), errors: new Set(), hovered: null };
  private raf = 0;
  private readonly base: CanvasRenderingContext2D;
  private readonly over: CanvasRenderingContext2D;
  /** Links being dragged and their current routes; nodes at their dragged places. */
  private drag: { links: Set<string>; routes: Route[]; moved: Map<string, NodeGeom>; nodes: Map<string, XY> } | null =
    null;
  private readonly listeners = new Set<() => void>();
  /** What the last base paint drew. */
  drawn: PaintCount = { links: 0, labels: 0, routes: 0 };

  constructor(
    base: HTMLCanvasElement,
    overlay: HTMLCanvasElement,
    private readonly nodesOf: () => Topology['nodes'],
  ) {
    this.base = base.getContext('2d')!;
    this.over = overlay.getContext('2d')!;
  }

  /** Called after every change of what is drawn (the minimap and the probe follow). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  setScene(scene: Scene): void {
    if (scene === this.scene) return;
    this.scene = scene;
    this.schedule();
  }

  /** The marks painted now. */
  get currentMarks(): LinkMarks {
    return this.marks;
  }

  setMarks(marks: LinkMarks): void {
    this.marks = marks;
    this.schedule();
  }

  setHovered(id: string | null): void {
    if (id === this.marks.hovered) return;
    this.marks = { ...this.marks, hovered: id };
    this.paintOverlay();
  }

  setViewport(vp: Viewport): void {
    this.vp = vp;
    this.schedule();
  }

  setColors(colors: LinkColors): void {
    this.colors = colors;
    this.schedule();
  }

  /** The canvases' size in CSS pixels. */
  setSize(w: number, h: number, dpr: number): void {
    this.size = { w, h };
    this.dpr = dpr;
    for (const ctx of [this.base, this.over]) {
      ctx.canvas.width = Math.max(1, Math.round(w * dpr));
      ctx.canvas.height = Math.max(1, Math.round(h * dpr));
    }
    this.paint();
  }

  get viewport(): Viewport {
    return this.vp;
  }

  get hovered(): string | null {
    return this.marks.hovered;
  }

  /** Every route as drawn now (dragged links at their dragged places). */
  routes(): Route[] {
    if (!this.scene) return [];
    if (!this.drag) return [...this.scene.routing.routes];
    const dragged = new Map(this.drag.routes.map((r) => [r.id, r]));
    return this.scene.routing.routes.map((r) => dragged.get(r.id) ?? r);
  }

  /** Node boxes as drawn now (dragged nodes at their dragged places). */
  geoms(): ReadonlyMap<string, NodeGeom> {
    if (!this.scene) return new Map();
    if (!this.drag) return this.scene.geoms;
    const out = new Map(this.scene.geoms);
    for (const [id, g] of this.drag.moved) out.set(id, g);
    return out;
  }

  /** The link under a point of the flow (within 6 screen pixels of its curve, or on its label). */
  hit(p: XY): string | null {
    if (!this.scene) return null;
    const z = this.vp.zoom;
    return hitLink(this.scene.routing.routes, p, 6 / z, z >= LABEL_MIN_ZOOM);
  }

  private schedule(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.paint();
    });
  }

  private paint(): void {
    if (this.raf) {
      cancelAnimationFrame(this.raf);
      this.raf = 0;
    }
    if (!this.colors) return;
    beginPaint(this.base, this.vp, this.dpr);
    if (this.scene) {
      const skip = this.drag?.links;
      const count = paintLinks(
        this.base,
        this.scene.routing.routes,
        this.vp,
        this.size,
        this.colors,
        { ...this.marks, hovered: null },
        skip,
      );
      this.drawn = { ...count, routes: this.scene.routing.routes.length };
    }
    this.paintOverlay();
    this.emit();
  }

  private paintOverlay(): void {
    if (!this.colors) return;
    beginPaint(this.over, this.vp, this.dpr);
    const hovered = this.marks.hovered;
    const routes: Route[] = this.drag ? [...this.drag.routes] : [];
    if (hovered && !this.drag?.links.has(hovered)) {
      const r = this.scene?.routing.byId.get(hovered);
      if (r) routes.push(r);
    }
    if (routes.length) paintLinks(this.over, routes, this.vp, this.size, this.colors, this.marks);
  }

  /** Starts a drag of these nodes: their links leave the base layer for the overlay. */
  beginDrag(nodes: readonly string[]): void {
    if (!this.scene) return;
    const links = new Set(nodes.flatMap((n) => this.scene!.linksOf.get(n) ?? []));
    const routes = [...links].flatMap((id) => this.scene!.routing.byId.get(id) ?? []);
    this.drag = { links, routes, moved: new Map(), nodes: new Map() };
    this.paint();
  }

  /** The dragged nodes are at these positions now: their links are routed again and painted, at once. */
  dragTo(positions: ReadonlyMap<string, XY>): void {
    const scene = this.scene;
    const drag = this.drag;
    if (!scene || !drag) return;
    const nodes = new Map(this.nodesOf().map((n) => [n.id, n]));
    drag.moved = new Map();
    for (const [id, at] of positions) {
      const node = nodes.get(id);
      if (node) drag.moved.set(id, nodeGeom(node, at));
    }
    drag.nodes = new Map(positions);
    const geoms = new Map(scene.geoms);
    for (const [id, g] of drag.moved) geoms.set(id, g);
    const specs = [...drag.links].flatMap((id) => scene.specById.get(id) ?? []);
    drag.routes = rerouteSome(specs, { geoms, grid: this.grid(), moved: drag.moved }, scene.routing.byId);
    this.paintOverlay();
    this.emit();
  }

  private gridFor: Scene | null = null;
  private gridCache: BoxGrid | null = null;

  private grid(): BoxGrid {
    if (this.gridFor !== this.scene || !this.gridCache) {
      this.gridFor = this.scene;
      this.gridCache = new BoxGrid(this.scene!.geoms.values());
    }
    return this.gridCache;
  }

  /**
   * Ends a drag. The canvases keep their pixels until the next frame's paint, by which time the document with the
   * drop (dispatched in the same task) has given the scene its new routes: no frame shows the links elsewhere.
   */
  endDrag(): void {
    if (!this.drag) return;
    this.drag = null;
    this.schedule();
    this.emit();
  }

  /** Nodes being dragged and where they are now, if a drag is on. */
  dragged(): ReadonlyMap<string, XY> | null {
    return this.drag?.nodes ?? null;
  }

  dispose(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.listeners.clear();
  }
}
