import { css, html, LitElement } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { define } from '../../src/events.ts';
import { consoleStyles } from '../../consoles/styles.ts';
import { formatClock, inspectorStrings } from '../inspector-strings.ts';
import { LOG_LIMIT, type LogEntry, type LogKind } from '../statechart.ts';

const t = inspectorStrings;
const KINDS: readonly LogKind[] = ['event', 'snapshot', 'actor', 'view'];

/**
 * The live event log: the engine's inspection events (events, state snapshots, actors) and the
 * views it published, newest first, bounded. Checkboxes hide kinds one is not interested in.
 *
 * @summary What the machine received and did, as it happens.
 */
export class KaInspectorLog extends LitElement {
  static override properties = {
    entries: { attribute: false },
    hiddenKinds: { state: true },
  };

  declare entries: readonly LogEntry[];
  declare hiddenKinds: ReadonlySet<LogKind>;

  constructor() {
    super();
    this.entries = [];
    this.hiddenKinds = new Set();
  }

  static override styles = [
    ...consoleStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        min-height: 0;
      }
      .top {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 0 var(--ka-space-2);
      }
      .top h2 {
        margin: 0;
      }
      .filters {
        display: flex;
        flex-wrap: wrap;
        gap: var(--ka-space-1) var(--ka-space-3);
        border: 0;
        padding: 0;
        margin: 0 0 var(--ka-space-1);
      }
      .filters label {
        display: inline-flex;
        align-items: center;
        gap: var(--ka-space-1);
        min-height: 28px;
      }
      .filters input {
        width: 20px;
        height: 20px;
        margin: 0;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        overflow: auto;
        flex: 1;
        min-height: 0;
        border: 1px solid #c7ced8;
        border-radius: var(--ka-radius);
        background: var(--ka-surface);
      }
      li {
        display: grid;
        grid-template-columns: 96px 52px 1fr;
        gap: var(--ka-space-2);
        padding: 2px var(--ka-space-2);
        border-bottom: 1px solid #e5e7eb;
        font-size: var(--ka-text-small);
        align-items: baseline;
      }
      .time {
        font-family: var(--ka-font-mono);
        font-size: 12px;
        color: var(--ka-text-muted);
      }
      .kind {
        font-size: 12px;
        font-weight: 700;
        text-align: center;
        border: 1px solid currentColor;
        border-radius: 4px;
      }
      li[data-kind='event'] .kind {
        color: var(--ka-brand);
      }
      li[data-kind='snapshot'] .kind {
        color: var(--ka-success);
      }
      li[data-kind='view'] .kind {
        color: var(--ka-warning-text);
      }
      li[data-kind='actor'] .kind {
        color: var(--ka-text-muted);
      }
      .label {
        font-family: var(--ka-font-mono);
        font-size: var(--ka-mono-size);
        overflow-wrap: anywhere;
      }
      .detail {
        color: var(--ka-text-muted);
      }
    `,
  ];

  override render() {
    const shown = this.entries.filter((entry) => !this.hiddenKinds.has(entry.kind));
    return html`<div class="top">
        <h2 id="log-title">${t.log}</h2>
        <span class="hint">${t.logHint(LOG_LIMIT)}</span>
      </div>
      <fieldset class="filters">
        <legend class="visually-hidden">${t.logFilter}</legend>
        ${KINDS.map(
          (kind) => html`<label>
            <input type="checkbox" data-kind=${kind} .checked=${!this.hiddenKinds.has(kind)} @change=${() => this.toggle(kind)} />
            ${t.kinds[kind]}
          </label>`,
        )}
      </fieldset>
      ${shown.length === 0
        ? html`<p class="hint">${t.logEmpty}</p>`
        : html`<ol aria-labelledby="log-title" tabindex="0">
            ${repeat(
              shown,
              (entry) => entry.key,
              (entry) => html`<li data-kind=${entry.kind}>
                <span class="time">${formatClock(entry.at)}</span>
                <span class="kind">${t.kinds[entry.kind]}</span>
                <span class="label">${entry.label}${entry.detail ? html` <span class="detail">${entry.detail}</span>` : ''}</span>
              </li>`,
            )}
          </ol>`}`;
  }

  private toggle(kind: LogKind): void {
    const next = new Set(this.hiddenKinds);
    if (next.has(kind)) next.delete(kind);
    else next.add(kind);
    this.hiddenKinds = next;
  }
}

define('ka-inspector-log', KaInspectorLog);

declare global {
  interface HTMLElementTagNameMap {
    'ka-inspector-log': KaInspectorLog;
  }
}
