import { css, html, nothing } from 'lit';
import { define } from '../../events.ts';
import { cardArtStyles } from '../card-art.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * The idle screen: asks for the card to activate.
 *
 * @summary 請插入待開卡之工商憑證IC卡.
 */
export class KaInsertCardScreen extends ScreenElement {
  static override styles = [
    ...ScreenElement.styles,
    cardArtStyles,
    css`
      .arrow {
        --ka-arrow-travel: 18px;
      }
    `,
  ];

  override render() {
    const text = this.s.screens.insertCard;
    return html`<div class="content center">
      ${cardArt} ${this.heading(text.title)}
      <p class="lead">${text.body}</p>
      ${this.accepts('user.cancel') ? html`<div class="actions">${this.cancelAction()}</div>` : nothing}
    </div>`;
  }
}

const cardArt = html`<svg class="art" viewBox="0 0 260 250" aria-hidden="true" focusable="false">
  <g class="arrow" fill="#0b3d6e">
    <path d="M118 6h24v38h22l-34 34-34-34h22z" />
  </g>
  <rect x="70" y="86" width="120" height="150" rx="10" fill="#e8f0fa" stroke="#0b3d6e" stroke-width="5" />
  <rect x="95" y="112" width="44" height="36" rx="5" fill="#d4a514" stroke="#5c3c00" stroke-width="3" />
  <path d="M95 130h44M117 112v36" stroke="#5c3c00" stroke-width="2" />
  <rect x="95" y="170" width="70" height="10" rx="5" fill="#0b3d6e" />
  <rect x="95" y="190" width="50" height="10" rx="5" fill="#6b7280" />
  <rect x="20" y="226" width="220" height="20" rx="6" fill="#1f2937" />
</svg>`;

define('ka-insert-card-screen', KaInsertCardScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-insert-card-screen': KaInsertCardScreen;
  }
}
