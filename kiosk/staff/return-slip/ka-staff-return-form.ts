import { css, html, LitElement } from 'lit';
import { define, emit } from '../../src/events.ts';
import { consoleStyles } from '../../consoles/styles.ts';
import type { ReturnDetails } from '../staff-client.ts';

/** The codes that send a card to the CA by mail, as the manual lists them. */
export const RETURN_REASONS = ['27011', 'CARD_UNREADABLE'] as const;
const REASON_LABELS: Record<(typeof RETURN_REASONS)[number], string> = {
  '27011': '27011：開卡前已被使用（寄回解卡）',
  CARD_UNREADABLE: 'CARD_UNREADABLE：卡片無法讀取（寄回檢測）',
};

/**
 * The company's contact for a card the CA will mail back (the manual asks for the contact
 * person's name, phone and mailing address), and why the card is taken in.
 *
 * @summary Return details form.
 * @fires ka-staff-return-details - `{details}` when staff confirm with every field filled
 */
export class KaStaffReturnForm extends LitElement {
  static override properties = { reason: {}, cardNumber: { attribute: false } };
  declare reason: string;
  declare cardNumber: string;

  constructor() {
    super();
    this.reason = '27011';
    this.cardNumber = '';
  }

  static override styles = [
    ...consoleStyles,
    css`
      form {
        display: grid;
        gap: var(--ka-space-2);
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 2px;
        font-weight: 700;
      }
      .buttons {
        display: flex;
        gap: var(--ka-space-2);
      }
    `,
  ];

  override render() {
    return html`<form @submit=${this.onSubmit} aria-label="收回卡片資料">
      <label>錯誤訊息
        <select name="reason" .value=${this.reason}>
          ${RETURN_REASONS.map((code) => html`<option value=${code} ?selected=${code === this.reason}>${REASON_LABELS[code]}</option>`)}
        </select>
      </label>
      <label>聯絡人姓名 <input name="name" required maxlength="64" autocomplete="off" /></label>
      <label>聯絡電話 <input name="phone" required type="tel" pattern="[0-9+()# \\-]{6,24}" maxlength="24" autocomplete="off" /></label>
      <label>郵寄地址 <input name="address" required maxlength="200" autocomplete="off" /></label>
      <div class="buttons">
        <button type="submit" class="danger primary" data-confirm="return">確定登記收回並列印寄回單</button>
        <button type="button" data-cancel @click=${() => emit(this, 'ka-staff-return-cancel', {})}>取消</button>
      </div>
    </form>`;
  }

  private readonly onSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    if (!form.reportValidity()) return;
    const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const details: ReturnDetails = { reason: field('reason'), contact: { name: field('name'), phone: field('phone'), address: field('address') } };
    emit(this, 'ka-staff-return-details', { details });
  };
}

define('ka-staff-return-form', KaStaffReturnForm);

declare global {
  interface HTMLElementTagNameMap {
    'ka-staff-return-form': KaStaffReturnForm;
  }
  interface GlobalEventHandlersEventMap {
    'ka-staff-return-details': CustomEvent<{ details: ReturnDetails }>;
    'ka-staff-return-cancel': CustomEvent<Record<string, never>>;
  }
}
