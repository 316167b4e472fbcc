import { css, html } from 'lit';
import type { ErrorCode } from '../../../../machines/contract/errors.ts';
import { define } from '../../events.ts';
import '../../components/text-field/ka-text-field.ts';
import { InputScreen, type UserEventType } from '../screen-base.ts';
import { rocBirthDateToIso } from './roc-birth-date.ts';

/**
 * Path B: the responsible person's national ID (digits-first keyboard, capitals) and, optionally,
 * their birth date as 民國 年 月 日.
 *
 * @summary Enter the responsible person's ID and birth date.
 * @fires ka-input-send - `user.submitResponsibleId {responsibleId, birthDate?}`, `user.reset`, `user.cancel`
 */
export class KaEnterResponsibleIdScreen extends InputScreen {
  static override styles = [
    ...InputScreen.styles,
    css`
      .date {
        display: grid;
        grid-template-columns: 2fr 1.5fr 1.5fr;
        gap: var(--ka-space-3);
        max-width: 720px;
      }
    `,
  ];

  protected override renderIntro() {
    const text = this.s.screens.enterResponsibleId;
    return html`${this.heading(text.title)}
      <p>${text.body}</p>`;
  }

  protected override renderFields() {
    const f = this.s.fields;
    const invalid = this.isInvalid('responsibleId');
    return html`<ka-text-field
        name="responsibleId"
        label=${f.responsibleId}
        keyboard="id"
        charset="upper"
        maxlength="10"
        ?invalid=${invalid}
        invalid-text=${f.invalid}
      ></ka-text-field>
      <fieldset>
        <legend>${f.birthDate}</legend>
        <p class="hint">${this.s.screens.enterResponsibleId.hint}</p>
        <div class="date" role="group" aria-label=${f.birthDate}>
          <ka-text-field
            name="birthYear"
            label=${f.birthYear}
            accessible-name=${f.birthYearName}
            keyboard="digits"
            charset="digits"
            maxlength="3"
            narrow
          ></ka-text-field>
          <ka-text-field
            name="birthMonth"
            label=${f.birthMonth}
            accessible-name=${f.birthMonthName}
            keyboard="digits"
            charset="digits"
            maxlength="2"
            narrow
          ></ka-text-field>
          <ka-text-field
            name="birthDay"
            label=${f.birthDay}
            accessible-name=${f.birthDayName}
            keyboard="digits"
            charset="digits"
            maxlength="2"
            narrow
          ></ka-text-field>
        </div>
      </fieldset>`;
  }

  protected override renderActions() {
    const b = this.s.buttons;
    return html`${this.action('user.submitResponsibleId', b.readCard, () => this.submit(), {
      primary: true,
      disabled: this.view.busy,
    })}
    ${this.action('user.reset', b.reset, () => this.reset())} ${this.cancelAction()}`;
  }

  protected override submitType(): UserEventType {
    return 'user.submitResponsibleId';
  }

  protected override submit(): void {
    const birthDate = rocBirthDateToIso(this.typed('birthYear'), this.typed('birthMonth'), this.typed('birthDay'));
    this.send({
      type: 'user.submitResponsibleId',
      responsibleId: this.typed('responsibleId'),
      ...(birthDate === undefined ? {} : { birthDate }),
    });
  }

  protected override fieldsFor(code: ErrorCode): string[] {
    return code === '3005' || code === 'ID_FORMAT' ? ['responsibleId'] : [];
  }
}

define('ka-enter-responsible-id-screen', KaEnterResponsibleIdScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-enter-responsible-id-screen': KaEnterResponsibleIdScreen;
  }
}
