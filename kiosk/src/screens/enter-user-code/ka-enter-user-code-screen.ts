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
    return this.secretField('userCode', this.s.fields.userCode, 10);
  }

  protected override submitLabel(): string {
    return this.s.buttons.readCard;
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
