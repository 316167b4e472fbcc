import { html } from 'lit';
import { define } from '../../events.ts';
import { icons } from '../../styles/icons.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * The manual's fig. 19 dialog: the ID fails its checksum; the user may go on (the registry decides)
 * or correct it. The ID itself is not shown: the view never carries it.
 *
 * @summary 您所輸入之身分證字號不符合公式 … 確定輸入無誤？
 * @fires ka-input-send - `user.confirmIdWarning`, `user.correctId`
 */
export class KaIdChecksumWarningScreen extends ScreenElement {
  override render() {
    const text = this.s.screens.idChecksumWarning;
    const b = this.s.buttons;
    return html`<div class="content">
      ${this.heading(text.title)}
      <div class="notice warning">
        ${icons.warning}
        <div>
          <p class="title">${text.body}</p>
          <p class="body lead">${text.question}</p>
        </div>
      </div>
      <p class="hint">${text.hint}</p>
      <div class="actions">
        ${this.action('user.confirmIdWarning', b.yes, () => this.send({ type: 'user.confirmIdWarning' }), { primary: true })}
        ${this.action('user.correctId', b.no, () => this.send({ type: 'user.correctId' }))} ${this.cancelAction()}
      </div>
    </div>`;
  }
}

define('ka-id-checksum-warning-screen', KaIdChecksumWarningScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-id-checksum-warning-screen': KaIdChecksumWarningScreen;
  }
}
