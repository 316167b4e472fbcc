import { css, html, LitElement } from 'lit';
import { certificateUserName } from '../../../machines/validators/certificate-name.formatter.ts';
import { formatRocDate } from '../../../machines/validators/roc-date.formatter.ts';
import { define } from '../../src/events.ts';
import { strings } from '../../src/i18n.ts';
import { staffStrings } from '../staff-strings.ts';

/** Where the manual sends a card to be unblocked (27011) or tested (unreadable), word for word. */
export const CA_RETURN_ADDRESS = strings('zh-TW').caMailAddress;

/** What a return slip shows: nothing secret (no user code, ID, birth date, PIN, token). */
export interface ReturnSlip {
  readonly cardNumber: string;
  readonly holderName: string;
  /** The certificate's OU (a branch), printed in 憑證用戶名稱 as the kiosk shows it. */
  readonly orgUnit?: string;
  /** The code that sent the card to staff (27011, CARD_UNREADABLE, …): printed as the manual's words, never our code. */
  readonly reason: string;
  /** When staff took it in (ISO). */
  readonly takenAt: string;
  readonly staffId: string;
  readonly contact: { readonly name: string; readonly phone: string; readonly address: string };
}

/**
 * The return slip that goes with a card to the CA: the manual asks for the error message and the
 * company's contact (name, phone, mailing address), and returns the card by registered mail.
 * Print-ready: an A4 page, black on white, nothing of the console around it when printed.
 *
 * @summary A card's return slip.
 */
export class KaStaffReturnSlip extends LitElement {
  static override properties = { slip: { attribute: false } };
  declare slip: ReturnSlip | undefined;

  static override styles = css`
    :host {
      display: block;
      color: #000;
      background: #fff;
      font-family: 'Noto Sans CJK TC', 'Noto Sans TC', sans-serif;
      max-width: 180mm;
      margin: 0 auto;
      padding: 12mm;
      border: 1px solid #888;
    }
    h2 {
      font-size: 20pt;
      margin: 0 0 4mm;
      text-align: center;
    }
    .to {
      font-size: 14pt;
      border: 2px solid #000;
      padding: 4mm;
      margin: 0 0 6mm;
    }
    table {
      width: 100%;
      border-collapse: collapse;
      font-size: 12pt;
    }
    th,
    td {
      border: 1px solid #000;
      padding: 2.5mm 3mm;
      text-align: left;
      vertical-align: top;
    }
    th {
      width: 32%;
      background: #eee;
    }
    .note {
      font-size: 10.5pt;
      margin-top: 5mm;
    }
    @media print {
      :host {
        border: none;
        padding: 0;
        max-width: none;
      }
    }
  `;

  override render() {
    const slip = this.slip;
    if (!slip) return html``;
    const words = staffStrings.slip;
    const purpose = slip.reason === '27011' ? 'unblock' : 'test';
    return html`<h2>${words.title}</h2>
      <p class="to"><strong>${words.to}</strong>${CA_RETURN_ADDRESS}</p>
      <table>
        <tbody>
          <tr><th scope="row">IC卡卡號</th><td data-slip="card">${slip.cardNumber}</td></tr>
          <tr><th scope="row">憑證用戶名稱</th><td data-slip="holder">${certificateUserName(slip)}</td></tr>
          <tr><th scope="row">錯誤訊息</th><td data-slip="reason">${words.reasonText(slip.reason)}</td></tr>
          <tr><th scope="row">收卡日期</th><td data-slip="date">${formatRocDate(slip.takenAt)}</td></tr>
          <tr><th scope="row">聯絡人姓名</th><td data-slip="contact-name">${slip.contact.name}</td></tr>
          <tr><th scope="row">聯絡電話</th><td data-slip="contact-phone">${slip.contact.phone}</td></tr>
          <tr><th scope="row">郵寄地址</th><td data-slip="contact-address">${slip.contact.address}</td></tr>
          <tr><th scope="row">經辦櫃檯服務人員</th><td>${slip.staffId}</td></tr>
        </tbody>
      </table>
      <p class="note" data-slip="note">${words.note[purpose]}</p>`;
  }
}

define('ka-staff-return-slip', KaStaffReturnSlip);

declare global {
  interface HTMLElementTagNameMap {
    'ka-staff-return-slip': KaStaffReturnSlip;
  }
}
