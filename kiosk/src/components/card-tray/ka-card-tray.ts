import { css, html } from 'lit';
import { define, emit } from '../../events.ts';
import { strings } from '../../i18n.ts';
import { icons } from '../../styles/icons.ts';
import { componentWithButtonsStyles, KioskElement } from '../kiosk-element.ts';

export interface DemoCard {
  cardNumber: string;
  label: string;
}

/**
 * Demo only: stands in for the card slot when the kiosk runs the simulated reader. Shown only
 * when the kiosk's config says so, marked as a demonstration. A drawer: closed, only its tab shows,
 * in the footer beside the staff button (the page puts it there), so it covers nothing of any
 * screen; one tap opens the panel over the screen, and inserting or removing a card closes it.
 *
 * @summary Insert or remove a demo card.
 * @fires ka-card-insert - `{cardNumber}`
 * @fires ka-card-remove
 */
export class KaCardTray extends KioskElement {
  static override properties = {
    ...KioskElement.properties,
    cards: { attribute: false },
    open: { type: Boolean, reflect: true },
  };

  declare cards: DemoCard[];
  declare open: boolean;

  constructor() {
    super();
    this.cards = [];
    this.open = false;
  }

  static override styles = [
    ...componentWithButtonsStyles,
    css`
      :host {
        /* The tab is one more item of the footer's row; the drawer is fixed over the window. */
        display: contents;
      }
      .scrim,
      section {
        position: fixed;
        z-index: 10;
      }
      .tab {
        min-height: var(--ka-target-min);
        padding: var(--ka-space-1) var(--ka-space-2);
        border: 3px dashed var(--ka-warning-text);
        background: var(--ka-demo-bg);
        color: var(--ka-warning-text);
        font-size: var(--ka-text-small);
        gap: var(--ka-space-1);
      }
      .scrim {
        inset: 0;
        background: rgb(0 0 0 / 35%);
      }
      section {
        top: 0;
        right: 0;
        bottom: 0;
        width: min(640px, 88vw);
        overflow-y: auto;
        display: flex;
        flex-direction: column;
        align-items: stretch;
        gap: var(--ka-space-2);
        padding: var(--ka-space-4) var(--ka-space-3);
        background: var(--ka-demo-bg);
        border-left: 4px dashed var(--ka-warning-text);
      }
      [hidden] {
        display: none !important;
      }
      h2 {
        margin: 0;
        font-size: var(--ka-text-small);
        color: var(--ka-warning-text);
        display: flex;
        align-items: center;
        gap: var(--ka-space-1);
      }
      section button {
        font-size: var(--ka-text-small);
        min-height: var(--ka-target-min);
        padding: var(--ka-space-1) var(--ka-space-3);
        justify-content: flex-start;
        text-align: start;
      }
    `,
  ];

  override render() {
    const s = strings(this.lang).tray;
    return html`<button
        type="button"
        class="tab"
        aria-expanded=${this.open ? 'true' : 'false'}
        aria-controls="drawer"
        ?hidden=${this.open}
        @click=${() => (this.open = true)}
      >
        ${icons.card}${s.open}
      </button>
      <div class="scrim" ?hidden=${!this.open} @click=${() => (this.open = false)}></div>
      <section id="drawer" role="dialog" aria-labelledby="title" ?hidden=${!this.open}>
        <h2 id="title">${icons.card}${s.title}</h2>
        ${this.cards.map(
          (card) =>
            html`<button type="button" @click=${() => this.insert(card.cardNumber)}>${s.insert(card.label)}</button>`,
        )}
        <button type="button" @click=${() => this.removeCard()}>${s.remove}</button>
        <button type="button" @click=${() => (this.open = false)}>${strings(this.lang).buttons.closeTray}</button>
      </section>`;
  }

  private insert(cardNumber: string): void {
    this.open = false;
    emit(this, 'ka-card-insert', { cardNumber });
  }

  private removeCard(): void {
    this.open = false;
    emit(this, 'ka-card-remove', {});
  }
}

define('ka-card-tray', KaCardTray);

declare global {
  interface HTMLElementTagNameMap {
    'ka-card-tray': KaCardTray;
  }
}
