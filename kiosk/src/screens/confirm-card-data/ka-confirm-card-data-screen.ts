import { css, html, nothing } from 'lit';
import type { ViewCard } from '../../../../machines/contract/messages.ts';
import type { Language } from '../../../../machines/contract/screens.ts';
import { certificateUserName, formatRocRange } from '../../../../machines/validators/index.ts';
import { define } from '../../events.ts';
import { icons } from '../../styles/icons.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * The card's data as the manual's 憑證IC卡資料 table (憑證用戶名稱 as C=TW,O=…,OU=…, validity in the
 * ROC calendar); the user accepts it (進行憑證接受; on path B 資料正確，下一步, the acceptance comes
 * after the contact step) or says it is wrong (資料有誤).
 *
 * @summary Check the card data.
 * @fires ka-input-send - `user.confirmCardData`, `user.disputeCardData`, `user.cancel`
 */
export class KaConfirmCardDataScreen extends ScreenElement {
  static override styles = [
    ...ScreenElement.styles,
    css`
      table {
        width: 100%;
        border-collapse: collapse;
        background: var(--ka-surface);
        border: 3px solid var(--ka-border-strong);
        margin-bottom: var(--ka-space-3);
      }
      th,
      td {
        text-align: start;
        vertical-align: top;
        padding: var(--ka-space-2) var(--ka-space-3);
        border-bottom: 2px solid var(--ka-border);
      }
      th {
        width: 34%;
        background: var(--ka-info-bg);
        font-weight: 700;
      }
      td.code {
        font-family: var(--ka-font-mono), var(--ka-font);
        word-break: break-all;
      }
    `,
  ];

  override render() {
    const text = this.s.screens.confirmCardData;
    const b = this.s.buttons;
    const card = this.view.card;
    // Path B confirms the data first and accepts only after the contact step: the button says so.
    const bundled = this.path === 'registration-bundled';
    return html`<div class="content">
      ${this.heading(text.title)}
      <p>${bundled ? text.bodyBundled : text.body}</p>
      ${card ? this.renderCard(card) : nothing}
      <div class="notice warning">${icons.warning}<p class="body">${text.hint}</p></div>
      <div class="actions">
        ${this.action('user.confirmCardData', bundled ? b.dataCorrectNext : b.accept, () => this.send({ type: 'user.confirmCardData' }), {
          primary: true,
          disabled: this.view.busy,
        })}
        ${this.action('user.disputeCardData', b.dispute, () => this.send({ type: 'user.disputeCardData' }), {
          icon: icons.warning,
        })}
        ${this.cancelAction()}
      </div>
    </div>`;
  }

  private renderCard(card: ViewCard) {
    const c = this.s.card;
    return html`<table>
      <caption class="visually-hidden">${this.s.screens.confirmCardData.title}</caption>
      <tbody>
        <tr><th scope="row">${c.cardNumber}</th><td class="code">${card.cardNumber}</td></tr>
        <tr><th scope="row">${c.holderName}</th><td class="holder">${certificateUserName(card)}</td></tr>
        <tr><th scope="row">${c.ubn}</th><td class="code">${card.ubn}</td></tr>
        <tr><th scope="row">${c.certSerial}</th><td class="code">${card.certSerial}</td></tr>
        <tr><th scope="row">${c.validity}</th><td>${validity(card, this.view.lang)}</td></tr>
        <tr><th scope="row">${c.email}</th><td class="code">${card.email}</td></tr>
      </tbody>
    </table>`;
  }
}

function validity(card: ViewCard, lang: Language): string {
  try {
    return formatRocRange(card.validFrom, card.validTo, lang);
  } catch {
    return `${card.validFrom} – ${card.validTo}`;
  }
}

define('ka-confirm-card-data-screen', KaConfirmCardDataScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-confirm-card-data-screen': KaConfirmCardDataScreen;
  }
}
