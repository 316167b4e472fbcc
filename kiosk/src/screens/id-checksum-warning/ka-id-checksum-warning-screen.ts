import { html, nothing } from 'lit';
import { define } from '../../events.ts';
import { icons } from '../../styles/icons.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * The manual's fig. 19 dialog: the ID fails its checksum (or is no national or resident ID at all);
 * the user may go on (the registry decides) or correct it. The ID is shown as typed, as in the
 * manual: the page hands it over from the screen where it was typed (`typedId`), the view never
 * carries it.
 *
 * @summary 您所輸入之身分證字號不符合公式 … 確定輸入無誤？
 * @fires ka-input-send - `user.confirmIdWarning`, `user.correctId`
 */
export class KaIdChecksumWarningScreen extends ScreenElement {
  static override properties = { ...ScreenElement.properties, typedId: { attribute: false } };

  /** The ID as the user typed it on the previous screen; kept by the page only, never in an attribute. */
  declare typedId: string | undefined;

  override render() {
    const text = this.s.screens.idChecksumWarning;
    const b = this.s.buttons;
    return html`<div class="content">
      ${this.heading(text.title)}
      <div class="notice warning">
        ${icons.warning}
        <div>
          <p class="title">${text.body}</p>
          ${this.typedId ? html`<p class="body lead typed-id">${text.idLabel}<span class="id">${this.typedId}</span></p>` : nothing}
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
