import { css, html, LitElement, nothing, type TemplateResult } from 'lit';
import { classMap } from 'lit/directives/class-map.js';
import { define, emit } from '../../src/events.ts';
import { consoleStyles } from '../../consoles/styles.ts';
import { inspectorStrings } from '../inspector-strings.ts';
import type { DescribedState } from '../statechart.ts';
import '../../staff/staff-events.ts';

const t = inspectorStrings;

/**
 * The statechart as nested boxes: a compound state contains its children; an atomic state shows
 * its key, screen id, tags and invoked actors. The active states are marked with a thick border,
 * a fill and the words 目前狀態; the state before them with a dashed border and 前一狀態 (never by
 * colour alone). A state's name is a button that selects it (its transitions show elsewhere).
 *
 * @summary The statechart, drawn as nested boxes.
 * @fires ka-inspector-state-select - `{id}` when a state's name is pressed
 */
export class KaInspectorChart extends LitElement {
  static override properties = {
    machine: { attribute: false },
    activeIds: { attribute: false },
    previousIds: { attribute: false },
    selectedId: { attribute: false },
  };

  declare machine: DescribedState | undefined;
  declare activeIds: ReadonlySet<string>;
  declare previousIds: ReadonlySet<string>;
  declare selectedId: string | undefined;

  constructor() {
    super();
    this.machine = undefined;
    this.activeIds = new Set();
    this.previousIds = new Set();
    this.selectedId = undefined;
  }

  static override styles = [
    ...consoleStyles,
    css`
      :host {
        display: block;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .children {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(172px, 1fr));
        gap: var(--ka-space-2);
        margin-top: var(--ka-space-2);
      }
      .state {
        position: relative;
        border: 2px solid var(--ka-border);
        border-radius: var(--ka-radius);
        background: var(--ka-surface);
        padding: var(--ka-space-1) var(--ka-space-2) var(--ka-space-2);
        min-width: 0;
        font-size: var(--ka-text-small);
      }
      .state.compound {
        grid-column: 1 / -1;
        background: #f8f9fb;
        border-color: var(--ka-border-strong);
      }
      .state.active {
        border: 4px solid var(--ka-primary);
        background: var(--ka-active-bg);
      }
      .state.compound.active {
        background: #f1f6fc;
      }
      .state.previous {
        border: 3px dashed var(--ka-text-muted);
      }
      .head {
        display: flex;
        align-items: center;
        gap: var(--ka-space-1);
        flex-wrap: wrap;
      }
      button.name {
        font-family: var(--ka-font-mono);
        font-size: var(--ka-text-small);
        font-weight: 700;
        min-height: 28px;
        min-width: 0;
        padding: 0 var(--ka-space-1);
        border: 1px solid transparent;
        background: transparent;
        color: var(--ka-text);
        text-align: left;
        overflow-wrap: anywhere;
        justify-content: flex-start;
      }
      button.name:hover {
        border-color: var(--ka-border);
      }
      button.name[aria-pressed='true'] {
        background: var(--ka-primary);
        color: var(--ka-primary-text);
      }
      .marker {
        font-size: 12px;
        font-weight: 700;
        padding: 0 var(--ka-space-1);
        border-radius: 4px;
        white-space: nowrap;
      }
      .marker.active {
        background: var(--ka-primary);
        color: var(--ka-primary-text);
      }
      .marker.previous {
        border: 1px dashed var(--ka-text-muted);
        color: var(--ka-text-muted);
      }
      .line {
        display: block;
        color: var(--ka-text-muted);
        font-size: 12px;
        overflow-wrap: anywhere;
      }
      .tags {
        display: flex;
        flex-wrap: wrap;
        gap: 2px;
        margin-top: 2px;
      }
      .tag {
        font-size: 11px;
        line-height: 1.5;
        border: 1px solid currentColor;
        border-radius: 4px;
        padding: 0 4px;
        color: var(--ka-text-muted);
      }
      .tag.needsStaff,
      .tag.failure {
        color: var(--ka-error);
      }
      .tag.busy {
        color: var(--ka-brand);
      }
    `,
  ];

  override render() {
    if (!this.machine) return html`<p class="hint">${t.noMachine}</p>`;
    return html`<ul role="list" aria-label=${t.chart}>
      ${this.renderState(this.machine)}
    </ul>`;
  }

  private renderState(node: DescribedState): TemplateResult {
    const compound = node.states.length > 0;
    const active = this.activeIds.has(node.id);
    const previous = !active && this.previousIds.has(node.id);
    const classes = { state: true, compound, atomic: !compound, active, previous };
    return html`<li
      class=${classMap(classes)}
      data-state-id=${node.id}
      aria-current=${active && !compound ? 'true' : nothing}
      title=${node.description ?? nothing}
    >
      <div class="head">
        <button
          type="button"
          class="name"
          aria-pressed=${this.selectedId === node.id ? 'true' : 'false'}
          @click=${() => emit(this, 'ka-inspector-state-select', { id: node.id })}
        >
          ${node.key}
        </button>
        ${active ? html`<span class="marker active">● ${t.active}</span>` : nothing}
        ${previous ? html`<span class="marker previous">◌ ${t.previous}</span>` : nothing}
      </div>
      ${node.screen ? html`<span class="line">${t.screen}: <code>${node.screen}</code></span>` : nothing}
      ${node.invokes.length > 0 ? html`<span class="line">${t.invokes}: <code>${node.invokes.join(', ')}</code></span>` : nothing}
      ${node.tags.length > 0
        ? html`<span class="tags">${node.tags.map((tag) => html`<span class="tag ${tag}">${tag}</span>`)}</span>`
        : nothing}
      ${compound ? html`<ul class="children" role="list">${node.states.map((child) => this.renderState(child))}</ul>` : nothing}
    </li>`;
  }
}

define('ka-inspector-chart', KaInspectorChart);

declare global {
  interface HTMLElementTagNameMap {
    'ka-inspector-chart': KaInspectorChart;
  }
}
