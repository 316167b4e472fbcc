import { html } from 'lit';
import type { ErrorCode } from '../../../../machines/contract/errors.ts';
import { define } from '../../events.ts';
import { icons } from '../../styles/icons.ts';
import '../../components/secret-field/ka-secret-field.ts';
import { InputScreen, type UserEventType } from '../screen-base.ts';

/**
 * After acceptance: the new card PIN, twice (設定IC卡PIN碼 / 確認IC卡PIN碼), 6–8 characters.
 *
 * @summary Set the card PIN.
 * @fires ka-input-send - `user.submitPin {pin, pinConfirm}`, `user.reset`, `user.cancel`
 */
export class KaEnterPinScreen extends InputScreen {
  protected override renderIntro() {
    const text = this.s.screens.enterPin;
    return html`<div class="notice success">${icons.check}<p class="title">${text.accepted}</p></div>
      ${this.heading(text.title)}
      <p>${text.body}</p>
      <p class="hint">${text.hint}</p>`;
  }

  protected override renderFields() {
    const f = this.s.fields;
    return html`${this.secretField('pin', f.pin, 8)} ${this.secretField('pinConfirm', f.pinConfirm, 8)}`;
  }

  protected override submitLabel(): string {
    return this.s.buttons.setPin;
  }

  protected override submitType(): UserEventType {
    return 'user.submitPin';
  }

  protected override submit(): void {
    this.send({ type: 'user.submitPin', pin: this.typed('pin'), pinConfirm: this.typed('pinConfirm') });
  }

  /** Which of two hidden PINs was mistyped cannot be told: both are typed again. */
  protected override fieldsToClearFor(code: ErrorCode): string[] {
    return code === 'PIN_MISMATCH' ? ['pin', 'pinConfirm'] : [];
  }
}

define('ka-enter-pin-screen', KaEnterPinScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-enter-pin-screen': KaEnterPinScreen;
  }
}
