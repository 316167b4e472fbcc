import { css, html } from 'lit';
import { BIRTH_DATE_FIELDS } from '../../../../machines/contract/input-errors.ts';
import { RESPONSIBLE_ID_LENGTH } from '../../../../machines/validators/personal-id.validator.ts';
import { define } from '../../events.ts';
import '../../components/text-field/ka-text-field.ts';
import { InputScreen, type UserEventType } from '../screen-base.ts';
import { typedRocBirthDate } from './roc-birth-date.ts';

/**
 * The birth date's three fields, in the order they stand and are read: 民國 year (up to 3 digits),
 * month, day. Each has a short visible label and a full name for screen readers.
 */
const BIRTH_DATE_PARTS = [
  { name: 'birthYear', accessibleName: 'birthYearName', maxLength: 3 },
  { name: 'birthMonth', accessibleName: 'birthMonthName', maxLength: 2 },
  { name: 'birthDay', accessibleName: 'birthDayName', maxLength: 2 },
] as const satisfies ReadonlyArray<{ name: (typeof BIRTH_DATE_FIELDS)[number]; accessibleName: string; maxLength: number }>;

/**
 * Path B: the responsible person's ID (national or resident ID, or a foreign responsible person's
 * passport or other number: 6–20 letters and digits; digits-first keyboard, capitals) and their
 * birth date as 民國 年 月 日 (needed when the issuance record holds one: the registry asks for it).
 *
 * @summary Enter the responsible person's ID and birth date.
 * @fires ka-input-send - `user.submitResponsibleId {responsibleId, birthDate?}`, `user.reset`, `user.cancel`
 */
export class KaEnterResponsibleIdScreen extends InputScreen {
  static override properties = { ...InputScreen.properties, keptId: { attribute: false } };

  /**
   * The ID submitted just before, handed over by the page. It fills the ID field again when the
   * answer was about the birth date only (BIRTH_DATE_REQUIRED, BIRTH_DATE_FORMAT): the ID was
   * not wrong, so the user types only what is missing. After any other answer the field starts empty.
   */
  declare keptId: string | undefined;

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

  protected override firstUpdated(): void {
    const idField = this.field('responsibleId');
    if (idField && this.keptId && this.view.error && !this.isInvalid('responsibleId')) idField.value = this.keptId;
  }

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
        maxlength=${RESPONSIBLE_ID_LENGTH.max}
        ?invalid=${invalid}
        invalid-text=${f.invalid}
      ></ka-text-field>
      <p class="hint">${this.s.screens.enterResponsibleId.idHint}</p>
      <fieldset>
        <legend>${f.birthDate}</legend>
        <p class="hint">${this.s.screens.enterResponsibleId.hint}</p>
        <div class="date" role="group" aria-label=${f.birthDate}>
          ${BIRTH_DATE_PARTS.map(
            (part) => html`<ka-text-field
              name=${part.name}
              ?invalid=${this.isInvalid(part.name)}
              invalid-text=${f.invalid}
              label=${f[part.name]}
              accessible-name=${f[part.accessibleName]}
              keyboard="digits"
              charset="digits"
              maxlength=${part.maxLength}
              narrow
            ></ka-text-field>`,
          )}
        </div>
      </fieldset>`;
  }

  protected override submitLabel(): string {
    return this.s.buttons.readCard;
  }

  protected override submitType(): UserEventType {
    return 'user.submitResponsibleId';
  }

  protected override submit(): void {
    const birthDate = typedRocBirthDate(this.typed('birthYear'), this.typed('birthMonth'), this.typed('birthDay'));
    this.send({
      type: 'user.submitResponsibleId',
      responsibleId: this.typed('responsibleId'),
      ...(birthDate === undefined ? {} : { birthDate }),
    });
  }
}

define('ka-enter-responsible-id-screen', KaEnterResponsibleIdScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-enter-responsible-id-screen': KaEnterResponsibleIdScreen;
  }
}
