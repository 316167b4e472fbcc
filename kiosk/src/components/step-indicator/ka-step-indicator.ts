import { css, html, nothing } from 'lit';
import { define } from '../../events.ts';
import { strings } from '../../i18n.ts';
import { icons } from '../../styles/icons.ts';
import { componentStyles, KioskElement } from '../kiosk-element.ts';

/**
 * Where the user is in the flow, from the view's `step` (`index` counts from 1). Done steps carry
 * a check mark, the current one a thick ring and its number: shape and text, not colour alone.
 *
 * @summary Progress through the activation steps.
 */
export class KaStepIndicator extends KioskElement {
  static override properties = {
    ...KioskElement.properties,
    index: { type: Number },
    of: { type: Number },
  };

  declare index: number;
  declare of: number;

  constructor() {
    super();
    this.index = 1;
    this.of = 1;
  }

  static override styles = [
    ...componentStyles,
    css`
      :host {
        display: block;
      }
      nav {
        display: flex;
        align-items: center;
        gap: var(--ka-space-3);
      }
      .label {
        margin: 0;
        font-weight: 700;
        white-space: nowrap;
      }
      ol {
        display: flex;
        flex: 1;
        list-style: none;
        margin: 0;
        padding: 0;
        align-items: center;
      }
      li {
        display: flex;
        align-items: center;
        flex: 1;
      }
      li:last-child {
        flex: none;
      }
      li:not(:last-child)::after {
        content: '';
        flex: 1;
        height: 4px;
        margin: 0 6px;
        background: var(--ka-border);
      }
      li.done:not(:last-child)::after {
        background: var(--ka-brand);
      }
      .dot {
        display: inline-flex;
        align-items: center;
        justify-content: center;
        width: 48px;
        height: 48px;
        border-radius: 50%;
        border: 3px solid var(--ka-border);
        background: var(--ka-surface);
        color: var(--ka-text);
        font-weight: 700;
        font-size: var(--ka-text-small);
      }
      .done .dot {
        background: var(--ka-brand);
        border-color: var(--ka-brand);
        color: var(--ka-brand-text);
      }
      .current .dot {
        width: 60px;
        height: 60px;
        border: 6px solid var(--ka-brand);
        color: var(--ka-brand);
        font-size: var(--ka-text-body);
      }
    `,
  ];

  override render() {
    const s = strings(this.lang);
    const total = Math.max(1, Math.floor(this.of));
    const current = Math.min(Math.max(1, Math.floor(this.index)), total);
    const steps = Array.from({ length: total }, (_, i) => i + 1);
    return html`<nav aria-label=${s.progress}>
      <p class="label">${s.step(current, total)}</p>
      <ol>
        ${steps.map((n) => {
          const state = n < current ? 'done' : n === current ? 'current' : 'todo';
          return html`<li class=${state} aria-current=${state === 'current' ? 'step' : nothing}>
            <span class="dot">${state === 'done' ? icons.check : n}</span>
            <span class="visually-hidden"
              >${state === 'done' ? `${n} ${s.stepDone}` : state === 'current' ? `${n} ${s.stepCurrent}` : n}</span
            >
          </li>`;
        })}
      </ol>
    </nav>`;
  }
}

define('ka-step-indicator', KaStepIndicator);

declare global {
  interface HTMLElementTagNameMap {
    'ka-step-indicator': KaStepIndicator;
  }
}
