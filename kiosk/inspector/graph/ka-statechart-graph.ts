import { css, html, LitElement, type PropertyValues } from 'lit';
import type { DescribedState } from '../../../machines/session/introspect.ts';
import { define } from '../../src/events.ts';
import { inspectorStrings as t } from '../inspector-strings.ts';
import { layoutStatechart } from './layout.ts';
import { renderStatechartSvg } from './render-svg.ts';

const ZOOM_STEP = 1.25;

/**
 * The statechart drawn (elkjs layout, one SVG): compound states as containers, every targeted
 * transition an edge labelled with its event and guard. Pan by dragging, zoom with the wheel or
 * the buttons (keyboard: + − 0 on the focused drawing). The active states, the state left and
 * the edge of the last transition are marked by classes on the drawn elements.
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
  };

  declare machine: DescribedState | undefined;
  declare activeIds: ReadonlySet<string>;
  declare previousIds: ReadonlySet<string>;
  declare takenEdgeId: string | undefined;
  declare label: string;
  /** The machine whose drawing is in place (layout is asynchronous). */
  declare laidOut: DescribedState | undefined;

  #svg = '';
  #scale = 0.5;
  #x = 0;
  #y = 0;
  #drag: { x: number; y: number; pointer: number } | undefined;

  constructor() {
    super();
    this.machine = undefined;
    this.activeIds = new Set();
    this.previousIds = new Set();
    this.takenEdgeId = undefined;
    this.label = t.graphLabel;
    this.laidOut = undefined;
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
      if (machine === undefined) {
        this.#svg = '';
        this.laidOut = undefined;
        return;
      }
      this.#drawing = layoutStatechart(machine).then((layout) => {
        if (this.machine !== machine) return;
        this.#svg = renderStatechartSvg(layout, this.label);
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
    for (const node of canvas.querySelectorAll<SVGGElement>('[data-state-id]')) {
      const id = node.dataset.stateId ?? '';
      node.classList.toggle('active', this.activeIds.has(id));
      node.classList.toggle('previous', this.previousIds.has(id));
    }
    for (const edge of canvas.querySelectorAll<SVGGElement>('[data-edge-id]')) {
      edge.classList.toggle('taken', edge.dataset.edgeId === this.takenEdgeId);
    }
    this.#applyTransform();
  }

  /** Puts the active leaf (or the drawing's corner) in view. */
  centreOnActive(): void {
    const canvas = this.renderRoot.querySelector<HTMLElement>('.canvas');
    const active = [...(canvas?.querySelectorAll<SVGGElement>('.state.atomic.active') ?? [])][0];
    const rect = active?.querySelector('rect');
    if (!rect) return;
    const cx = Number(rect.getAttribute('x')) + Number(rect.getAttribute('width')) / 2 + 12;
    const cy = Number(rect.getAttribute('y')) + Number(rect.getAttribute('height')) / 2 + 12;
    this.#x = this.clientWidth / 2 - cx * this.#scale;
    this.#y = this.clientHeight / 2 - cy * this.#scale;
    this.#applyTransform();
  }

  #applyTransform(): void {
    const canvas = this.renderRoot.querySelector<HTMLElement>('.canvas');
    if (canvas) canvas.style.transform = `translate(${this.#x}px, ${this.#y}px) scale(${this.#scale})`;
  }

  #zoom(factor: number, at = { x: this.clientWidth / 2, y: this.clientHeight / 2 }): void {
    const scale = Math.min(4, Math.max(0.05, this.#scale * factor));
    this.#x = at.x - ((at.x - this.#x) * scale) / this.#scale;
    this.#y = at.y - ((at.y - this.#y) * scale) / this.#scale;
    this.#scale = scale;
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
      '0': () => this.centreOnActive(),
      ArrowLeft: () => ((this.#x += 60), this.#applyTransform()),
      ArrowRight: () => ((this.#x -= 60), this.#applyTransform()),
      ArrowUp: () => ((this.#y += 60), this.#applyTransform()),
      ArrowDown: () => ((this.#y -= 60), this.#applyTransform()),
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
        <button type="button" aria-label=${t.centre} @click=${() => this.centreOnActive()}>◎</button>
      </div>`;
  }
}

define('ka-statechart-graph', KaStatechartGraph);

declare global {
  interface HTMLElementTagNameMap {
    'ka-statechart-graph': KaStatechartGraph;
  }
}
