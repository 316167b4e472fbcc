import { css, html, nothing, type PropertyValues } from 'lit';
import { ERRORS } from '../../../machines/contract/errors.ts';
import type { View } from '../../../machines/contract/messages.ts';
import { certificateUserName } from '../../../machines/validators/certificate-name.formatter.ts';
import { formatRocRange } from '../../../machines/validators/roc-date.formatter.ts';
import { define } from '../../src/events.ts';
import { errorText, strings } from '../../src/i18n.ts';
import { icons } from '../../src/styles/icons.ts';
import { DESTRUCTIVE_ACTIONS, needsStaff, staffActionsFor, type KioskEntry, type StaffEventType } from '../../consoles/kiosk-status.ts';
import { formatTime, speechStrings, staffStrings } from '../staff-strings.ts';
import { StaffRequestElement } from '../staff-request-element.ts';
import '../card-panel/ka-staff-card-panel.ts';
import '../countdown/ka-staff-countdown.ts';

const zh = strings('zh-TW');
const s = staffStrings;


/** Codes of a card the reader cannot read (不明連接卡): staff first try the reader with another certificate card. */
const READER_ADVICE_CODES: ReadonlySet<string> = new Set(['CARD_UNREADABLE', 'UNKNOWN_CARD']);

/**
 * The selected kiosk: everything its view says, the staff actions it takes now (exactly those of
 * `view.accepts`; ending the session or taking the card asks for a confirmation first), and the
 * card panel for the registry.
 *
 * @summary One kiosk in detail, with its staff actions.
 */
export class KaStaffKioskDetail extends StaffRequestElement<StaffEventType> {
  static override properties = {
    entry: { attribute: false },
    confirming: { state: true },
  };

  /** None selected: a hint instead. */
  declare entry: KioskEntry | undefined;
  /** The destructive action waiting for its confirmation. */
  declare confirming: StaffEventType | undefined;

  static override styles = [
    ...StaffRequestElement.styles,
    css`
      header {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: var(--ka-space-2);
        margin-bottom: var(--ka-space-3);
      }
      header h2 {
        margin: 0 auto 0 0;
      }
      section {
        background: var(--ka-surface);
        border: 1px solid #c7ced8;
        border-radius: var(--ka-radius);
        padding: var(--ka-space-3) var(--ka-space-4);
        margin-bottom: var(--ka-space-3);
      }
      section h3 {
        margin-top: 0;
      }
      .accepts {
        display: flex;
        flex-wrap: wrap;
        gap: var(--ka-space-1);
        margin: 0;
        padding: 0;
        list-style: none;
      }
      .accepts li {
        border: 1px solid var(--ka-border);
        border-radius: 4px;
        padding: 0 var(--ka-space-1);
      }
      .error-text {
        color: var(--ka-error);
        font-weight: 700;
      }
      ul.actions-list {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: var(--ka-space-2);
      }
      ul.actions-list li {
        display: grid;
        grid-template-columns: minmax(200px, max-content) 1fr;
        align-items: center;
        gap: var(--ka-space-3);
      }
      .help-text {
        color: var(--ka-text-muted);
        font-size: var(--ka-text-small);
        margin: 0;
      }
      .confirm {
        margin-top: var(--ka-space-3);
      }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    const before = changed.get('entry') as KioskEntry | undefined;
    if (changed.has('entry') && before?.view.kioskId !== this.entry?.view.kioskId) {
      this.confirming = undefined;
      this.outcome = undefined;
    }
    // The kiosk moved on: a confirmation for an action it no longer takes is void.
    if (this.confirming && this.entry && !this.entry.view.accepts.includes(this.confirming)) this.confirming = undefined;
  }

  override render() {
    if (!this.entry) return html`<p class="hint">${s.selectHint}</p>`;
    const { view } = this.entry;
    return html`<header>
        <h2 id="title">${view.kioskId}：${zh.screens[view.screen].title}</h2>
        ${needsStaff(view) ? html`<span class="badge help">${icons.staff}${s.badges.needsStaff}</span>` : nothing}
        ${view.busy ? html`<span class="badge busy">${icons.clock}${s.badges.busy}</span>` : nothing}
        ${view.deadline ? html`<ka-staff-countdown .deadline=${view.deadline}></ka-staff-countdown>` : nothing}
      </header>
      ${this.renderActions(view)} ${this.renderSpeech(view)}
      <section aria-labelledby="card-panel-title">
        <ka-staff-card-panel
          heading-id="card-panel-title"
          .cardNumber=${view.card?.cardNumber ?? ''}
          .kiosk=${view}
          .staffId=${this.staffId}
          .backend=${this.backend}
        ></ka-staff-card-panel>
      </section>
      ${this.renderFacts(view)}`;
  }

  private renderActions(view: View) {
    const actions = staffActionsFor(view);
    const confirming = this.confirming;
    return html`<section aria-labelledby="actions-title">
      <h3 id="actions-title">${s.actions.heading}</h3>
      ${actions.length === 0
        ? html`<p class="help-text">${s.actions.none}</p>`
        : html`<ul class="actions-list">
            ${actions.map((type) => {
              const text = s.actions.byType[type];
              const destructive = DESTRUCTIVE_ACTIONS.has(type);
              return html`<li>
                <button
                  type="button"
                  class=${destructive ? 'danger' : 'primary'}
                  data-action=${type}
                  aria-describedby=${`help-${type}`}
                  aria-expanded=${destructive ? String(confirming === type) : nothing}
                  ?disabled=${this.pending !== undefined}
                  @click=${() => (destructive ? this.askToConfirm(type) : void this.perform(type))}
                >
                  ${text.label}
                </button>
                <p class="help-text" id=${`help-${type}`}>${text.help}</p>
              </li>`;
            })}
          </ul>`}
      ${confirming ? this.renderConfirm(view, confirming) : nothing} ${this.renderOutcome()}
    </section>`;
  }

  /** The kiosk's automatic speech, on or off: a setting of the kiosk, whatever screen it shows. */
  private renderSpeech(view: View) {
    const type: StaffEventType = view.autoSpeech === true ? 'staff.speechOff' : 'staff.speechOn';
    const text = s.actions.byType[type];
    return html`<section aria-labelledby="speech-title">
      <h3 id="speech-title">${speechStrings.heading}</h3>
      <p class="speech-state">${view.autoSpeech === true ? speechStrings.on : speechStrings.off}</p>
      <ul class="actions-list">
        <li>
          <button
            type="button"
            data-setting=${type}
            aria-describedby=${`help-${type}`}
            ?disabled=${this.pending !== undefined}
            @click=${() => void this.perform(type)}
          >
            ${text.label}
          </button>
          <p class="help-text" id=${`help-${type}`}>${text.help}</p>
        </li>
      </ul>
    </section>`;
  }

  private renderConfirm(view: View, type: StaffEventType) {
    const text = s.actions.byType[type];
    return html`<div class="confirm" role="group" aria-labelledby="confirm-question">
      <p id="confirm-question">${icons.warning} ${view.kioskId}：${text.confirm}</p>
      <div class="buttons">
        <button type="button" class="danger primary" data-confirm=${type} @click=${() => void this.perform(type)}>
          ${text.confirmButton}
        </button>
        <button type="button" data-cancel @click=${() => (this.confirming = undefined)}>${s.actions.cancel}</button>
      </div>
    </div>`;
  }

  private renderFacts(view: View) {
    const f = s.fields;
    return html`<section aria-labelledby="facts-title">
      <h3 id="facts-title">${s.factsHeading}</h3>
      <dl class="facts">
        <dt>${f.screen}</dt>
        <dd>${zh.screens[view.screen].title} <code>${view.screen}</code></dd>
        <dt>${f.state}</dt>
        <dd><code>${view.state ?? '—'}</code></dd>
        ${view.returnScreen
          ? html`<dt>${f.returnScreen}</dt>
              <dd>${zh.screens[view.returnScreen].title} <code>${view.returnScreen}</code></dd>`
          : nothing}
        ${view.error
          ? html`<dt>${f.error}</dt>
              <dd>
                <span class="error-text"><code>${view.error.code}</code> ${errorText(view.error.code, 'zh-TW')}</span>
                <br />${s.remedy[ERRORS[view.error.code].remedy]}${view.error.attemptsLeft === undefined
                  ? nothing
                  : html`；${s.attemptsLeft(view.error.attemptsLeft)}`}
                ${READER_ADVICE_CODES.has(view.error.code) ? html`<br /><span class="reader-advice">${s.readerAdvice}</span>` : nothing}
              </dd>`
          : nothing}
        ${view.card
          ? html`<dt>${f.card}</dt>
              <dd>
                <code>${view.card.cardNumber}</code> · ${certificateUserName(view.card)} · ${zh.card.ubn} ${view.card.ubn}<br />
                ${formatRocRange(view.card.validFrom, view.card.validTo)}
              </dd>`
          : nothing}
        ${view.path
          ? html`<dt>${f.path}</dt>
              <dd>${zh.paths[view.path]}</dd>`
          : nothing}
        ${view.step
          ? html`<dt>${f.step}</dt>
              <dd>${zh.step(view.step.index, view.step.of)}</dd>`
          : nothing}
        <dt>${f.lang}</dt>
        <dd>${view.lang}</dd>
        <dt>${f.accepts}</dt>
        <dd>
          <ul class="accepts mono">
            ${view.accepts.map((type) => html`<li>${type}</li>`)}
          </ul>
        </dd>
        <dt>${f.seq}</dt>
        <dd>${view.seq}</dd>
        <dt>${f.changedAt}</dt>
        <dd>${this.entry ? formatTime(this.entry.changedAt) : '—'}</dd>
      </dl>
    </section>`;
  }

  private askToConfirm(type: StaffEventType): void {
    this.confirming = type;
    this.outcome = undefined;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('[data-cancel]')?.focus());
  }

  /** Sends one staff action; `staff.unlocked` first unlocks the kiosk's card at the registry. */
  private async perform(type: StaffEventType): Promise<void> {
    const view = this.entry?.view;
    if (!view) return;
    const label = s.actions.byType[type].label;
    this.confirming = undefined;
    await this.send(type, label, async (backend) => {
      if (type === 'staff.unlocked' && view.card) await backend.unlockCard(view.card.cardNumber, this.staffId);
      await backend.sendStaffEvent(view.kioskId, type, this.staffId);
      return s.actions.sent(label, view.kioskId);
    });
  }
}

define('ka-staff-kiosk-detail', KaStaffKioskDetail);

declare global {
  interface HTMLElementTagNameMap {
    'ka-staff-kiosk-detail': KaStaffKioskDetail;
  }
}
