import { css, html, nothing, type PropertyValues } from 'lit';
import type { View } from '../../../machines/contract/messages.ts';
import { certificateUserName } from '../../../machines/validators/certificate-name.formatter.ts';
import { formatRocRange } from '../../../machines/validators/roc-date.formatter.ts';
import { define, emit } from '../../src/events.ts';
import { strings } from '../../src/i18n.ts';
import { icons } from '../../src/styles/icons.ts';
import type { StaffEventType } from '../../consoles/kiosk-status.ts';
import type { ReturnDetails, StaffBackend, StaffCardReply } from '../staff-client.ts';
import { StaffRequestElement } from '../staff-request-element.ts';
import type { ReturnSlip } from '../return-slip/ka-staff-return-slip.ts';
import '../return-slip/ka-staff-return-form.ts';
import { formatDateTime, staffStrings } from '../staff-strings.ts';

const zh = strings('zh-TW');
const p = staffStrings.cardPanel;
const CARD_NUMBER = /^[A-Z0-9]{4,32}$/;

type Operation = 'lookup' | 'unlock' | 'return';

/**
 * Looks a card up at the registry (`ra.staff.card`): its record and its history. Offers 解除鎖定
 * for a locked record (`ra.staff.unlock`) and 登記收回卡片 (`ra.staff.return`, confirmed first) for
 * any card not activated or already returned. When the card is the one in the given kiosk, and the
 * kiosk takes it, the kiosk is told afterwards (`staff.unlocked` / `staff.takeCard`).
 *
 * @summary The registry's view of one card, with unlock and return.
 */
export class KaStaffCardPanel extends StaffRequestElement<Operation> {
  static override properties = {
    cardNumber: { attribute: false },
    kiosk: { attribute: false },
    headingId: { attribute: 'heading-id' },
    input: { state: true },
    record: { state: true },
    invalid: { state: true },
    confirmingReturn: { state: true },
  };

  /** The card to start from (the kiosk's card); staff may type another. */
  declare cardNumber: string;
  /** The kiosk being served, told about unlocks and returns of its own card. */
  declare kiosk: View | undefined;
  declare headingId: string;
  declare input: string;
  declare record: StaffCardReply | undefined;
  declare invalid: boolean;
  declare confirmingReturn: boolean;

  constructor() {
    super();
    this.cardNumber = '';
    this.kiosk = undefined;
    this.headingId = 'card-panel-title';
    this.input = '';
    this.record = undefined;
    this.invalid = false;
    this.confirmingReturn = false;
  }

  static override styles = [
    ...StaffRequestElement.styles,
    css`
      h3 {
        margin-top: 0;
      }
      form {
        display: flex;
        flex-wrap: wrap;
        align-items: flex-end;
        gap: var(--ka-space-2);
      }
      label {
        display: flex;
        flex-direction: column;
        font-weight: 700;
        gap: 2px;
      }
      input {
        width: 20ch;
        font-family: var(--ka-font-mono);
      }
      input[aria-invalid='true'] {
        border-color: var(--ka-error);
        border-width: 3px;
      }
      .field-error {
        color: var(--ka-error);
        font-weight: 700;
        margin: var(--ka-space-1) 0 0;
      }
      .record {
        margin-top: var(--ka-space-3);
      }
      .ops {
        display: grid;
        gap: var(--ka-space-2);
        margin: var(--ka-space-3) 0;
      }
      .op {
        display: grid;
        grid-template-columns: minmax(160px, max-content) 1fr;
        gap: var(--ka-space-3);
        align-items: center;
      }
      .op p,
      .help-text {
        margin: 0;
        color: var(--ka-text-muted);
        font-size: var(--ka-text-small);
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Another kiosk (or another card in it): start again from its card.
    if (changed.has('cardNumber') && changed.get('cardNumber') !== this.cardNumber) {
      this.input = this.cardNumber;
      this.record = undefined;
      this.outcome = undefined;
      this.invalid = false;
      this.confirmingReturn = false;
    }
  }

  override render() {
    return html`<h3 id=${this.headingId}>${p.heading}</h3>
      <form @submit=${this.onSubmit} novalidate>
        <label>
          ${p.cardNumber}
          <input
            type="text"
            name="cardNumber"
            autocomplete="off"
            spellcheck="false"
            maxlength="32"
            .value=${this.input}
            aria-invalid=${this.invalid ? 'true' : 'false'}
            aria-describedby=${this.invalid ? 'card-number-error' : nothing}
            @input=${(event: Event) => (this.input = (event.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="primary" data-op="lookup" ?disabled=${this.pending !== undefined}>
          ${this.pending === 'lookup' ? p.looking : p.lookup}
        </button>
      </form>
      ${this.invalid ? html`<p class="field-error" id="card-number-error">${icons.error} ${p.invalidNumber}</p>` : nothing}
      ${this.renderOutcome()} ${this.record ? this.renderRecord(this.record) : nothing}`;
  }

  private renderRecord(record: StaffCardReply) {
    const f = p.fields;
    const canUnlock = record.status === 'locked';
    const canReturn = record.status !== 'activated' && record.status !== 'returned';
    return html`<div class="record" data-card=${record.cardNumber}>
      <h3>${p.record}</h3>
      <dl class="facts">
        <dt>${f.cardNumber}</dt>
        <dd><code>${record.cardNumber}</code></dd>
        <dt>${f.holderName}</dt>
        <dd data-field="holder">${certificateUserName(record)}</dd>
        <dt>${f.ubn}</dt>
        <dd>${record.ubn}</dd>
        <dt>${f.route}</dt>
        <dd>${zh.paths[record.route]}</dd>
        <dt>${f.status}</dt>
        <dd><strong data-status=${record.status}>${staffStrings.statuses[record.status]}</strong></dd>
        <dt>${f.attemptsLeft}</dt>
        <dd>${record.attemptsLeft}</dd>
        <dt>${f.certSerial}</dt>
        <dd><code>${record.certSerial}</code></dd>
        <dt>${f.validity}</dt>
        <dd>${formatRocRange(record.validFrom, record.validTo)}</dd>
        <dt>${f.importedAt}</dt>
        <dd>${formatDateTime(record.importedAt)}</dd>
        ${this.when(f.acceptedAt, record.acceptedAt)} ${this.when(f.activatedAt, record.activatedAt)}
        ${this.when(f.lockedAt, record.lockedAt)} ${this.when(f.returnedAt, record.returnedAt)}
        ${record.activation
          ? html`<dt>${f.activation}</dt>
              <dd>${p.activation(record.activation.kioskId, record.activation.live)}</dd>`
          : nothing}
      </dl>
      ${canUnlock || canReturn
        ? html`<div class="ops">
            ${canUnlock
              ? html`<div class="op">
                  <button type="button" class="primary" data-op="unlock" aria-describedby="unlock-help" ?disabled=${this.pending !== undefined} @click=${() => void this.unlock(record.cardNumber)}>
                    ${p.unlock}
                  </button>
                  <p id="unlock-help">${p.unlockHelp}</p>
                </div>`
              : nothing}
            ${canReturn
              ? html`<div class="op">
                  <button
                    type="button"
                    class="danger"
                    data-op="return"
                    aria-describedby="return-help"
                    aria-expanded=${String(this.confirmingReturn)}
                    ?disabled=${this.pending !== undefined}
                    @click=${this.askToConfirmReturn}
                  >
                    ${p.giveBack}
                  </button>
                  <p id="return-help">${p.giveBackHelp}</p>
                </div>`
              : nothing}
            ${this.confirmingReturn
              ? html`<div class="confirm" role="group" aria-labelledby="return-question">
                  <p id="return-question">${icons.warning} ${record.cardNumber}：${p.giveBackConfirm}</p>
                  <ka-staff-return-form
                    .cardNumber=${record.cardNumber}
                    reason=${this.kiosk?.card?.cardNumber === record.cardNumber && this.kiosk.error?.code === 'CARD_UNREADABLE' ? 'CARD_UNREADABLE' : '27011'}
                    @ka-staff-return-details=${(event: CustomEvent<{ details: ReturnDetails }>) => void this.giveBack(record.cardNumber, event.detail.details)}
                    @ka-staff-return-cancel=${() => (this.confirmingReturn = false)}
                  ></ka-staff-return-form>
                </div>`
              : nothing}
          </div>`
        : nothing}
      <h3>${p.history}</h3>
      ${record.history.length === 0 ? html`<p class="help-text">${p.noHistory}</p>` : this.renderHistory(record)}
    </div>`;
  }

  private renderHistory(record: StaffCardReply) {
    const c = p.historyColumns;
    const newestFirst = [...record.history].reverse();
    return html`<table>
      <thead>
        <tr>
          <th scope="col">${c.at}</th>
          <th scope="col">${c.type}</th>
          <th scope="col">${c.change}</th>
          <th scope="col">${c.where}</th>
        </tr>
      </thead>
      <tbody>
        ${newestFirst.map(
          (event) => html`<tr data-event-type=${event.type}>
            <td>${formatDateTime(event.at)}</td>
            <td>${staffStrings.eventTypes[event.type] ?? event.type}${event.attemptsLeft === undefined
                ? nothing
                : html`（${staffStrings.attemptsLeft(event.attemptsLeft)}）`}</td>
            <td>${event.from && event.to && event.from !== event.to
                ? `${staffStrings.statuses[event.from]} → ${staffStrings.statuses[event.to]}`
                : event.to
                  ? staffStrings.statuses[event.to]
                  : ''}</td>
            <td>${[event.kioskId, event.staffId].filter((x) => x !== undefined).join(' · ')}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private when(label: string, at: string | undefined) {
    return at === undefined
      ? nothing
      : html`<dt>${label}</dt>
          <dd>${formatDateTime(at)}</dd>`;
  }

  private readonly onSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    const cardNumber = this.input.trim().toUpperCase();
    this.invalid = !CARD_NUMBER.test(cardNumber);
    if (this.invalid) {
      this.renderRoot.querySelector('input')?.focus();
      return;
    }
    this.input = cardNumber;
    void this.send('lookup', undefined, async (backend) => {
      this.record = await backend.lookupCard(cardNumber, this.staffId);
      return undefined;
    });
  };

  private readonly askToConfirmReturn = (): void => {
    this.confirmingReturn = true;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('[data-cancel]')?.focus());
  };

  private unlock(cardNumber: string): Promise<void> {
    return this.send('unlock', undefined, async (backend) => {
      await backend.unlockCard(cardNumber, this.staffId);
      const told = await this.tellKiosk(backend, cardNumber, 'staff.unlocked');
      this.record = await backend.lookupCard(cardNumber, this.staffId);
      return p.unlocked(cardNumber) + told;
    });
  }

  private giveBack(cardNumber: string, details: ReturnDetails): Promise<void> {
    this.confirmingReturn = false;
    return this.send('return', undefined, async (backend) => {
      const returned = await backend.returnCard(cardNumber, this.staffId, details);
      const slip: ReturnSlip = {
        cardNumber,
        holderName: returned.holderName,
        ...(returned.orgUnit === undefined ? {} : { orgUnit: returned.orgUnit }),
        reason: returned.returnReason ?? details.reason,
        takenAt: returned.returnedAt ?? new Date().toISOString(),
        staffId: this.staffId,
        contact: returned.returnContact ?? details.contact,
      };
      const told = await this.tellKiosk(backend, cardNumber, 'staff.takeCard');
      this.record = await backend.lookupCard(cardNumber, this.staffId);
      emit(this, 'ka-staff-return-slip', { slip });
      return p.returned(cardNumber) + told;
    });
  }

  /** Tells the kiosk when the card is the one in it and the kiosk takes the event now. */
  private async tellKiosk(backend: StaffBackend, cardNumber: string, type: StaffEventType): Promise<string> {
    const kiosk = this.kiosk;
    if (!kiosk || kiosk.card?.cardNumber !== cardNumber || !kiosk.accepts.includes(type)) return '';
    await backend.sendStaffEvent(kiosk.kioskId, type, this.staffId);
    return p.toldKiosk(staffStrings.actions.byType[type].label, kiosk.kioskId);
  }
}

define('ka-staff-card-panel', KaStaffCardPanel);

declare global {
  interface HTMLElementTagNameMap {
    'ka-staff-card-panel': KaStaffCardPanel;
  }
}
