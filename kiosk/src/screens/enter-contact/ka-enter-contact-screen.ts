import { html } from 'lit';
import { define } from '../../events.ts';
import { icons } from '../../styles/icons.ts';
import '../../components/secret-field/ka-secret-field.ts';
import '../../components/text-field/ka-text-field.ts';
import { InputScreen, type UserEventType } from '../screen-base.ts';

/**
 * Path B after the card data is confirmed: a new contact e-mail and a new user code, twice; then
 * 進行憑證接受.
 *
 * @summary Enter the contact e-mail and set a user code.
 * @fires ka-input-send - `user.submitContact {email, userCode, userCodeConfirm}`, `user.reset`, `user.cancel`
 */
export class KaEnterContactScreen extends InputScreen {
  protected override renderIntro() {
    const text = this.s.screens.enterContact;
    return html`${this.heading(text.title)}
      <p>${text.body}</p>
      <p class="hint">${text.hint}</p>
      <div class="notice info">
        ${icons.info}
        <p class="body">${text.note}</p>
      </div>`;
  }

  protected override renderFields() {
    const f = this.s.fields;
    return html`<ka-text-field
        name="email"
        label=${f.email}
        keyboard="text"
        maxlength="254"
        ?invalid=${this.isInvalid('email')}
        invalid-text=${f.invalid}
      ></ka-text-field>
      ${this.secretField('userCode', f.newUserCode, 10)} ${this.secretField('userCodeConfirm', f.confirmUserCode, 10)}`;
  }

  protected override submitLabel(): string {
    return this.s.buttons.accept;
  }

  protected override submitType(): UserEventType {
    return 'user.submitContact';
  }

  protected override submit(): void {
    this.send({
      type: 'user.submitContact',
      email: this.typed('email'),
      userCode: this.typed('userCode'),
      userCodeConfirm: this.typed('userCodeConfirm'),
    });
  }
}

define('ka-enter-contact-screen', KaEnterContactScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-enter-contact-screen': KaEnterContactScreen;
  }
}
