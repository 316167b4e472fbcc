import { css, html, LitElement } from 'lit';
import type { Language } from '../../../../machines/contract/screens.ts';
import { define, emit } from '../../events.ts';
import { strings } from '../../i18n.ts';
import { icons } from '../../styles/icons.ts';
import { base, buttons } from '../../styles/shared.ts';
import { tokens } from '../../styles/tokens.ts';

export interface DemoCard {
  cardNumber: string;
  label: string;
}

/**
 * Demo only: stands in for the card slot when the kiosk runs the simulated reader. Shown only
 * when the kiosk's config says so, marked as a demonstration.
 *
 * @summary Insert or remove a demo card.
 * @fires ka-card-insert - `{cardNumber}`
 * @fires ka-card-remove
 */
export class KaCardTray extends LitElement {
  static override properties = {
    cards: { attribute: false },
    lang: { reflect: true },
  };

  declare cards: DemoCard[];
  declare lang: Language;

  constructor() {
    super();
    this.cards = [];
    this.lang = 'zh-TW';
  }

  static override styles = [
    tokens,
    base,
    buttons,
    css`
      :host {
        display: block;
        background: var(--ka-demo-bg);
        border-top: 4px dashed var(--ka-warning-text);
        padding: var(--ka-space-2) var(--ka-space-3);
      }
      section {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: var(--ka-space-2);
      }
      h2 {
        margin: 0;
        font-size: var(--ka-text-small);
        color: var(--ka-warning-text);
        display: flex;
        align-items: center;
        gap: var(--ka-space-1);
      }
      button {
        font-size: var(--ka-text-small);
        min-height: var(--ka-target-min);
        padding: var(--ka-space-1) var(--ka-space-3);
      }
    `,
  ];

  override render() {
    const s = strings(this.lang).tray;
    return html`<section aria-labelledby="title">
      <h2 id="title">${icons.card}${s.title}</h2>
      ${this.cards.map(
        (card) =>
          html`<button type="button" @click=${() => emit(this, 'ka-card-insert', { cardNumber: card.cardNumber })}>
            ${s.insert(card.label)}
          </button>`,
      )}
      <button type="button" @click=${() => emit(this, 'ka-card-remove', {})}>${s.remove}</button>
    </section>`;
  }
}

define('ka-card-tray', KaCardTray);

declare global {
  interface HTMLElementTagNameMap {
    'ka-card-tray': KaCardTray;
  }
}
