import { html, nothing } from 'lit';
import { define } from '../../events.ts';
import '../../components/countdown/ka-countdown.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * The card came out mid-session: re-insert the same card before the deadline.
 *
 * @summary IC卡已取出, with a countdown.
 * @fires ka-input-send - `user.cancel`, when accepted
 */
export class KaCardRemovedScreen extends ScreenElement {
  override render() {
    const text = this.s.screens.cardRemoved;
    return html`<div class="content center">
      ${this.heading(text.title)}
      <p class="lead">${text.body}</p>
      ${this.view.deadline ? html`<ka-countdown deadline=${this.view.deadline} lang=${this.view.lang}></ka-countdown>` : nothing}
      <p class="hint">${text.hint}</p>
      <div class="actions">${this.cancelAction()}</div>
    </div>`;
  }
}

define('ka-card-removed-screen', KaCardRemovedScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-card-removed-screen': KaCardRemovedScreen;
  }
}
