import { html } from 'lit';
import { define } from '../../events.ts';
import { icons } from '../../styles/icons.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * The session is over (done, cancelled, timed out or failed) and its card is still in the reader:
 * take it out. The insert-card screen comes back once it is out, so nobody is asked to insert a
 * card that is already in.
 *
 * @summary 請取回您的IC卡.
 * @fires ka-input-send - `user.callStaff`, when accepted (also in the page footer)
 */
export class KaRemoveCardScreen extends ScreenElement {
  override render() {
    const text = this.s.screens.removeCard;
    return html`<div class="content center">
      ${icons.card}
      ${this.heading(text.title)}
      <p class="lead">${text.body}</p>
    </div>`;
  }
}

define('ka-remove-card-screen', KaRemoveCardScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-remove-card-screen': KaRemoveCardScreen;
  }
}
