import { html, nothing } from 'lit';
import { define } from '../../events.ts';
import { errorText } from '../../i18n.ts';
import { icons } from '../../styles/icons.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * The kiosk cannot serve (no reader, a failed self-check): say so and where to get help (the
 * counter: the CA's service line cannot mend a kiosk, so no number is given).
 *
 * @summary 本機暫停服務.
 */
export class KaOutOfServiceScreen extends ScreenElement {
  override render() {
    const text = this.s.screens.outOfService;
    const error = this.view.error;
    return html`<div class="content">
      ${this.heading(text.title)}
      <div class="notice error">
        ${icons.warning}
        <div>
          ${error ? html`<p class="title">${errorText(error.code, this.view.lang)}</p>` : nothing}
          <p class="body">${text.body}</p>
        </div>
      </div>
    </div>`;
  }
}

define('ka-out-of-service-screen', KaOutOfServiceScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-out-of-service-screen': KaOutOfServiceScreen;
  }
}
