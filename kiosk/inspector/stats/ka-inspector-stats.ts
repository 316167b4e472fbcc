import { css, html, LitElement } from 'lit';
import { define } from '../../src/events.ts';
import { consoleStyles } from '../../consoles/styles.ts';
import { formatClock, inspectorStrings } from '../inspector-strings.ts';
import type { EngineStatsReply } from '../statechart.ts';

const t = inspectorStrings;

/**
 * The engine's counters (`kiosk.<kiosk>.engine.stats`): events accepted, ignored (not taken in
 * the state they arrived in) and rejected (malformed), views published, snapshots persisted.
 *
 * @summary The engine's counters.
 */
export class KaInspectorStats extends LitElement {
  static override properties = {
    stats: { attribute: false },
    at: { attribute: false },
  };

  declare stats: EngineStatsReply | undefined;
  /** When they were read (ms since the epoch). */
  declare at: number | undefined;

  constructor() {
    super();
    this.stats = undefined;
    this.at = undefined;
  }

  static override styles = [
    ...consoleStyles,
    css`
      :host {
        display: block;
      }
      dl.facts {
        grid-template-columns: minmax(0, 1fr) max-content;
        font-size: var(--ka-text-small);
        row-gap: var(--ka-space-1);
      }
      dd {
        font-variant-numeric: tabular-nums;
        font-weight: 700;
        text-align: right;
      }
      dt code {
        display: block;
        font-size: 11px;
        line-height: 1.2;
      }
    `,
  ];

  override render() {
    const stats = this.stats;
    return html`<h2>${t.stats}</h2>
      ${stats === undefined
        ? html`<p class="hint">${t.noStats}</p>`
        : html`<dl class="facts">
              ${Object.entries(stats).map(
                ([name, value]) => html`<dt>${t.statNames[name] ?? name} <code>${name}</code></dt>
                  <dd data-stat=${name}>${typeof value === 'boolean' ? (value ? t.yes : t.no) : value}</dd>`,
              )}
            </dl>
            ${this.at === undefined ? '' : html`<p class="hint">${t.statsAt(formatClock(this.at))}</p>`}`}`;
  }
}

define('ka-inspector-stats', KaInspectorStats);

declare global {
  interface HTMLElementTagNameMap {
    'ka-inspector-stats': KaInspectorStats;
  }
}
