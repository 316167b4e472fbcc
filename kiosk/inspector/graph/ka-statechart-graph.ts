import { css, html, LitElement, type PropertyValues } from 'lit';
import type { DescribedState } from '../../../machines/session/introspect.ts';
import { define } from '../../src/events.ts';
import { inspectorStrings as t } from '../inspector-strings.ts';
import { layoutStatechart, type Box, type StatechartLayout } from './layout.ts';
import { renderStatechartSvg } from './render-svg.ts';

const ZOOM_STEP = 1.25;
/**
 * The default zoom: the drawing's own size, where its text is 12–13 CSS px (layout.ts FONT).
 * Zooming out below it is the person's choice.
 */
export const DEFAULT_SCALE = 1;
/** How far inside the visible area the followed state is kept, in CSS px. */
const FOLLOW_MARGIN = 16;
/** Room left above the followed state: the edge that led to it and a glimpse of the state left. */
const FOLLOW_LEAD = 64;

/**
 * The statechart drawn (elkjs layout, one SVG; drawing-model.ts says what is folded): compound
 * states as containers, transitions as edges labelled with their event. Pan by dragging, zoom
 * with the wheel or the buttons (keyboard: + − 0 and the arrows on the focused drawing). The
 * active states, the state left and the edge of the last transition are marked by classes; the
 * active atomic state carries `aria-current="true"` and is kept in view as the kiosk moves
 * (following), until the person pans or zooms; the follow button (aria-pressed) brings it back.
 *
 * @summary The statechart as a graph.
 */
export class KaStatechartGraph extends LitElement {
  static override properties = {
    machine: { attribute: false },
    activeIds: { attribute: false },
    previousIds: { attribute: false },
    takenEdgeId: { attribute: false },
    label: {},
    laidOut: { state: true },
    following: { state: true },
  };

  declare machine: DescribedState | undefined;
  declare activeIds: ReadonlySet<string>;
  declare previousIds: ReadonlySet<string>;
  declare takenEdgeId: string | undefined;
  declare label: string;
  /** The machine whose drawing is in place (layout is asynchronous). */
  declare laidOut: DescribedState | undefined;
  /** Whether the view moves with the active state (until the person pans or zooms). */
  declare following: boolean;

  #svg = '';
  #layout: StatechartLayout | undefined;
  #scale = DEFAULT_SCALE;
  #x = 0;
  #y = 0;
  #drag: { x: number; y: number; pointer: number } | undefined;
  /** The state the view was last placed for while following. */
  #followedId: string | undefined;

  constructor() {
    super();
    this.machine = undefined;
    this.activeIds = new Set();
    this.previousIds = new Set();
    this.takenEdgeId = undefined;
    this.label = t.graphLabel;
    this.laidOut = undefined;
    this.following = true;
  }

  /** Resolves once the current machine is drawn. */
  get drawn(): Promise<void> {
    return this.#drawing;
  }
  #drawing: Promise<void> = Promise.resolve();

  static override styles = css`
    :host {
      display: block;
      position: relative;
      overflow: hidden;
      min-height: 320px;
      background: #fbfcfe;
      border: 1px solid #c7ced8;
      border-radius: 6px;
      touch-action: none;
    }
    .stage {
      position: absolute;
      inset: 0;
      cursor: grab;
      outline-offset: -3px;
    }
    .stage:active {
      cursor: grabbing;
    }
    .canvas {
      transform-origin: 0 0;
      will-change: transform;
    }
    .tools {
      position: absolute;
      right: 8px;
      top: 8px;
      display: flex;
      gap: 4px;
    }
    .tools button {
      min-width: 44px;
      min-height: 44px;
      font-size: 18px;
      background: #fff;
      color: #1a202c;
      border: 1px solid #4a5568;
      border-radius: 6px;
    }
  `;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('machine') && this.machine !== this.laidOut) {
      const machine = this.machine;
      // Another machine (another kiosk): a new drawing, followed from its start.
      this.following = true;
      this.#followedId = undefined;
      if (machine === undefined) {
        this.#svg = '';
        this.#layout = undefined;
        this.laidOut = undefined;
        return;
      }
      this.#drawing = layoutStatechart(machine).then((layout) => {
        if (this.machine !== machine) return;
        this.#svg = renderStatechartSvg(layout, this.label);
        this.#layout = layout;
        this.laidOut = machine;
      });
    }
  }

  protected override updated(): void {
    const canvas = this.renderRoot.querySelector<HTMLElement>('.canvas');
    if (canvas === null) return;
    if (canvas.dataset.for !== this.laidOut?.id || canvas.childElementCount === 0) {
      canvas.innerHTML = this.#svg;
      canvas.dataset.for = this.laidOut?.id ?? '';
    }
    let current: SVGGElement | undefined;
    for (const node of canvas.querySelectorAll<SVGGElement>('[data-state-id]')) {
      const id = node.dataset.stateId ?? '';
      node.classList.toggle('active', this.activeIds.has(id));
      node.classList.toggle('previous', this.previousIds.has(id));
      // The deepest active state (the first, were there parallel regions) is the current one.
      const isCurrent = current === undefined && this.activeIds.has(id) && node.classList.contains('atomic');
      if (isCurrent) current = node;
      if (isCurrent) node.setAttribute('aria-current', 'true');
      else node.removeAttribute('aria-current');
    }
    for (const edge of canvas.querySelectorAll<SVGGElement>('[data-edge-id]')) {
      const members = (edge.dataset.members ?? '').split(' ');
      edge.classList.toggle('taken', this.takenEdgeId !== undefined && members.includes(this.takenEdgeId));
    }
    if (this.following) this.#keepInView(current);
    this.#applyTransform();
  }

  /** The box of a drawn state in the drawing's own coordinates (its viewBox starts at -12). */
  #boxOf(node: SVGGElement | undefined): { x: number; y: number; width: number; height: number } | undefined {
    const rect = node?.querySelector('rect');
    if (!rect) return undefined;
    const margin = 12;
    return {
      x: Number(rect.getAttribute('x')) + margin,
      y: Number(rect.getAttribute('y')) + margin,
      width: Number(rect.getAttribute('width')),
      height: Number(rect.getAttribute('height')),
    };
  }

  #current(): SVGGElement | undefined {
    return this.renderRoot.querySelector<SVGGElement>('[aria-current="true"]') ?? undefined;
  }

  /**
   * The states a session can reach next from `id` (along the drawn edges, failures aside) that
   * lie below it within one view's height: what the view should show with it.
   */
  #ahead(id: string, reach: number): Box[] {
    const layout = this.#layout;
    if (!layout) return [];
    const boxes = new Map(layout.nodes.map((laid) => [laid.node.id, laid]));
    const start = boxes.get(id);
    if (!start) return [];
    const next = new Map<string, string[]>();
    for (const { edge } of layout.edges) {
      if (edge.kind === 'failure') continue;
      for (const link of edge.links) next.set(link.source, [...(next.get(link.source) ?? []), link.target]);
    }
    const seen = new Set([id]);
    const queue = [id];
    while (queue.length > 0) {
      for (const target of next.get(queue.shift()!) ?? []) {
        const box = boxes.get(target);
        if (seen.has(target) || !box || box.node.compound || box.y < start.y || box.y + box.height > start.y + reach) continue;
        seen.add(target);
        queue.push(target);
      }
    }
    return [...seen].map((seenId) => boxes.get(seenId)!);
  }

  /**
   * Keeps the current state in view. When it changes, its top goes near the top of the view (a
   * session reads downwards: the steps that can come next show below it, the way in above), and
   * sideways the view takes in the states reachable from it that fit below, if not all in view.
   */
  #keepInView(node: SVGGElement | undefined): void {
    const box = this.#boxOf(node);
    const id = node?.dataset.stateId;
    if (!box || id === undefined || this.clientWidth === 0) return;
    const scale = this.#scale;
    const width = this.clientWidth;
    const changed = id !== this.#followedId;
    const top = this.#y + box.y * scale;
    if (changed || top < FOLLOW_MARGIN || top + box.height * scale > this.clientHeight - FOLLOW_MARGIN) {
      this.#y = FOLLOW_LEAD - box.y * scale;
    }
    // The layout's boxes are in the drawing's coordinates without the SVG's margin (#boxOf adds it).
    const offset = box.x - (this.#layout?.nodes.find((laid) => laid.node.id === id)?.x ?? box.x);
    const ahead = changed ? this.#ahead(id, (this.clientHeight - 2 * FOLLOW_MARGIN) / scale) : [];
    const span = ahead.reduce(
      (bounds, other) => ({ left: Math.min(bounds.left, other.x + offset), right: Math.max(bounds.right, other.x + offset + other.width) }),
      { left: box.x, right: box.x + box.width },
    );
    const fits = (span.right - span.left) * scale <= width - 2 * FOLLOW_MARGIN;
    const wanted = fits ? span : { left: box.x, right: box.x + box.width };
    const left = this.#x + wanted.left * scale;
    const right = this.#x + wanted.right * scale;
    if (left < FOLLOW_MARGIN || right > width - FOLLOW_MARGIN) {
      this.#x = right - left > width - 2 * FOLLOW_MARGIN ? FOLLOW_MARGIN - wanted.left * scale : width / 2 - ((wanted.left + wanted.right) / 2) * scale;
    }
    this.#keepDrawingInView(box);
    this.#followedId = id;
  }

  /**
   * No empty view past the drawing's edges where the drawing could fill it: near the end of the
   * drawing the view stops there, the current state (`box`) still inside it.
   */
  #keepDrawingInView(box: Box): void {
    const svg = this.renderRoot.querySelector('svg');
    if (!svg) return;
    const scale = this.#scale;
    const drawing = { width: Number(svg.getAttribute('width')) * scale, height: Number(svg.getAttribute('height')) * scale };
    const lowestY = this.clientHeight - drawing.height - FOLLOW_MARGIN;
    const lowestX = this.clientWidth - drawing.width - FOLLOW_MARGIN;
    // Pulled back only as far as the current state stays in view.
    const boxStaysY = this.clientHeight - FOLLOW_MARGIN - (box.y + box.height) * scale;
    const boxStaysX = this.clientWidth - FOLLOW_MARGIN - (box.x + box.width) * scale;
    if (this.#y < lowestY) this.#y = Math.max(this.#y, Math.min(lowestY, boxStaysY));
    if (this.#x < lowestX) this.#x = Math.max(this.#x, Math.min(lowestX, boxStaysX));
  }

  /** Follows the active state again and puts it in view (the follow button, the 0 key). */
  follow(): void {
    this.following = true;
    this.#followedId = undefined;
    this.#keepInView(this.#current());
    this.#applyTransform();
  }

  /** The person moved the view: it stays where they put it until they ask to follow again. */
  #stopFollowing(): void {
    this.following = false;
  }

  #applyTransform(): void {
    const canvas = this.renderRoot.querySelector<HTMLElement>('.canvas');
    if (canvas) canvas.style.transform = `translate(${this.#x}px, ${this.#y}px) scale(${this.#scale})`;
  }

  #zoom(factor: number, at = { x: this.clientWidth / 2, y: this.clientHeight / 2 }): void {
    this.#stopFollowing();
    const scale = Math.min(4, Math.max(0.05, this.#scale * factor));
    this.#x = at.x - ((at.x - this.#x) * scale) / this.#scale;
    this.#y = at.y - ((at.y - this.#y) * scale) / this.#scale;
    this.#scale = scale;
    this.#applyTransform();
  }

  /** Moves the view by (dx, dy) CSS px, as dragging does. */
  #pan(dx: number, dy: number): void {
    this.#stopFollowing();
    this.#x += dx;
    this.#y += dy;
    this.#applyTransform();
  }

  #onWheel = (event: WheelEvent) => {
    event.preventDefault();
    const box = this.getBoundingClientRect();
    this.#zoom(event.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP, { x: event.clientX - box.left, y: event.clientY - box.top });
  };

  #onPointerDown = (event: PointerEvent) => {
    this.#drag = { x: event.clientX - this.#x, y: event.clientY - this.#y, pointer: event.pointerId };
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
  };

  #onPointerMove = (event: PointerEvent) => {
    if (this.#drag?.pointer !== event.pointerId) return;
    this.#stopFollowing();
    this.#x = event.clientX - this.#drag.x;
    this.#y = event.clientY - this.#drag.y;
    this.#applyTransform();
  };

  #onPointerUp = () => {
    this.#drag = undefined;
  };

  #onKey = (event: KeyboardEvent) => {
    const moves: Record<string, () => void> = {
      '+': () => this.#zoom(ZOOM_STEP),
      '=': () => this.#zoom(ZOOM_STEP),
      '-': () => this.#zoom(1 / ZOOM_STEP),
      '0': () => this.follow(),
      ArrowLeft: () => this.#pan(60, 0),
      ArrowRight: () => this.#pan(-60, 0),
      ArrowUp: () => this.#pan(0, 60),
      ArrowDown: () => this.#pan(0, -60),
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      move();
    }
  };

  override render() {
    return html`<div
        class="stage"
        tabindex="0"
        role="group"
        aria-roledescription="drawing"
        aria-label=${this.label}
        @wheel=${this.#onWheel}
        @pointerdown=${this.#onPointerDown}
        @pointermove=${this.#onPointerMove}
        @pointerup=${this.#onPointerUp}
        @pointercancel=${this.#onPointerUp}
        @keydown=${this.#onKey}
      >
        <div class="canvas"></div>
      </div>
      <div class="tools">
        <button type="button" aria-label=${t.zoomIn} @click=${() => this.#zoom(ZOOM_STEP)}>+</button>
        <button type="button" aria-label=${t.zoomOut} @click=${() => this.#zoom(1 / ZOOM_STEP)}>−</button>
        <button type="button" data-follow aria-pressed=${this.following ? 'true' : 'false'} title=${t.follow} @click=${() => this.follow()}>
          ◎ ${t.follow}
        </button>
      </div>`;
  }
}

define('ka-statechart-graph', KaStatechartGraph);

declare global {
  interface HTMLElementTagNameMap {
    'ka-statechart-graph': KaStatechartGraph;
  }
}
