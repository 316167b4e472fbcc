import { html } from 'lit';
import { define } from '../../events.ts';
import '../../components/secret-field/ka-secret-field.ts';
import { InputScreen, type UserEventType } from '../screen-base.ts';

/**
 * Path A: the user code chosen when applying (case-sensitive), then 讀取卡片資料.
 *
 * @summary Enter the user code.
 * @fires ka-input-send - `user.submitUserCode {userCode}`, `user.reset`, `user.cancel`
 */
export class KaEnterUserCodeScreen extends InputScreen {
  protected override renderIntro() {
    const text = this.s.screens.enterUserCode;
    return html`${this.heading(text.title)}
      <p>${text.body}</p>
      <p class="hint">${text.hint}</p>`;
  }

  protected override renderFields() {
    return html`<ka-secret-field
      name="userCode"
      label=${this.s.fields.userCode}
      lang=${this.view.lang}
      keyboard="text"
      maxlength="10"
      ?invalid=${this.isInvalid('userCode')}
      invalid-text=${this.s.fields.invalid}
    ></ka-secret-field>`;
  }

  protected override renderActions() {
    const b = this.s.buttons;
    return html`${this.action('user.submitUserCode', b.readCard, () => this.submit(), { primary: true, disabled: this.view.busy })}
    ${this.action('user.reset', b.reset, () => this.reset())} ${this.cancelAction()}`;
  }

  protected override submitType(): UserEventType {
    return 'user.submitUserCode';
  }

  protected override submit(): void {
    this.send({ type: 'user.submitUserCode', userCode: this.typed('userCode') });
  }
}

define('ka-enter-user-code-screen', KaEnterUserCodeScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-enter-user-code-screen': KaEnterUserCodeScreen;
  }
}
