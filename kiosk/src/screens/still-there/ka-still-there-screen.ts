import { html, nothing } from 'lit';
import { define } from '../../events.ts';
import '../../components/countdown/ka-countdown.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * The idle warning: the session ends at the deadline unless the user says they are still here.
 *
 * @summary 您還在嗎？ with a countdown.
 * @fires ka-input-send - `user.stillHere`, `user.cancel`
 */
export class KaStillThereScreen extends ScreenElement {
  override render() {
    const text = this.s.screens.stillThere;
    const b = this.s.buttons;
    return html`<div class="content center">
      ${this.heading(text.title)}
      ${this.view.deadline ? html`<ka-countdown deadline=${this.view.deadline} lang=${this.view.lang}></ka-countdown>` : nothing}
      <p class="lead">${text.body}</p>
      <div class="actions">
        ${this.action('user.stillHere', b.stillHere, () => this.send({ type: 'user.stillHere' }), { primary: true })}
        ${this.cancelAction()}
      </div>
    </div>`;
  }

  /** The one thing to do here is the big button: focus it, so Enter or Space answers. */
  override focusInitial(): void {
    const button = this.renderRoot.querySelector<HTMLElement>('button.primary');
    if (button) button.focus();
    else super.focusInitial();
  }
}

define('ka-still-there-screen', KaStillThereScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-still-there-screen': KaStillThereScreen;
  }
}
