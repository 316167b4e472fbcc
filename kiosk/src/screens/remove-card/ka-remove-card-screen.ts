import { css, html } from 'lit';
import { define } from '../../events.ts';
import { cardArtStyles } from '../card-art.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * The session is over (done, cancelled, timed out or failed) and its card is still in the reader:
 * take it out. The insert-card screen comes back once it is out, so nobody is asked to insert a
 * card that is already in.
 *
 * @summary 請取回您的IC卡.
 * @fires ka-input-send - none of its own (呼叫櫃檯服務人員 is in the page footer)
 */
export class KaRemoveCardScreen extends ScreenElement {
  static override styles = [
    ...ScreenElement.styles,
    cardArtStyles,
    css`
      .arrow {
        --ka-arrow-travel: -18px;
      }
    `,
  ];

  override render() {
    const text = this.s.screens.removeCard;
    return html`<div class="content center">
      ${cardOutArt} ${this.heading(text.title)}
      <p class="lead">${text.body}</p>
    </div>`;
  }
}

/** The card half out of the reader's slot, an arrow pointing up and away from it. */
const cardOutArt = html`<svg class="art" viewBox="0 0 260 250" aria-hidden="true" focusable="false">
  <g class="arrow" fill="#0b3d6e">
    <path d="M118 78h24V40h22L130 6 96 40h22z" />
  </g>
  <rect x="70" y="96" width="120" height="140" rx="10" fill="#e8f0fa" stroke="#0b3d6e" stroke-width="5" />
  <rect x="95" y="122" width="44" height="36" rx="5" fill="#d4a514" stroke="#5c3c00" stroke-width="3" />
  <path d="M95 140h44M117 122v36" stroke="#5c3c00" stroke-width="2" />
  <rect x="95" y="180" width="70" height="10" rx="5" fill="#0b3d6e" />
  <rect x="20" y="226" width="220" height="20" rx="6" fill="#1f2937" />
</svg>`;

define('ka-remove-card-screen', KaRemoveCardScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-remove-card-screen': KaRemoveCardScreen;
  }
}
