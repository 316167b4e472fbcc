import { css, html, LitElement, nothing } from 'lit';
import { define, emit } from '../../src/events.ts';
import { errorText, strings } from '../../src/i18n.ts';
import { icons } from '../../src/styles/icons.ts';
import { consoleStyles } from '../../consoles/styles.ts';
import { needsStaff, type KioskEntry } from '../../consoles/kiosk-status.ts';
import { formatTime, staffStrings } from '../staff-strings.ts';
import '../countdown/ka-staff-countdown.ts';
import '../staff-events.ts';

const zh = strings('zh-TW');

/**
 * One kiosk in the staff console's list: its id, screen (in the kiosk's own words), state path,
 * card, error, badges, deadline and the time of its last change. A kiosk that needs staff is
 * marked with an icon and the words 需要協助 as well as a colour.
 *
 * @summary A kiosk's live summary, selectable.
 * @fires ka-staff-kiosk-select - `{kioskId}` when chosen
 */
export class KaStaffKioskCard extends LitElement {
  static override properties = {
    entry: { attribute: false },
    selected: { type: Boolean, reflect: true },
    help: { type: Boolean, reflect: true },
  };

  declare entry: KioskEntry | undefined;
  declare selected: boolean;
  /** Reflected for styling and tests: the kiosk needs staff. */
  declare help: boolean;

  constructor() {
    super();
    this.entry = undefined;
    this.selected = false;
    this.help = false;
  }

  static override styles = [
    ...consoleStyles,
    css`
      :host {
        display: block;
      }
      button.kiosk {
        display: flex;
        flex-direction: column;
        align-items: stretch;
        gap: 2px;
        width: 100%;
        text-align: left;
        font-weight: 400;
        padding: var(--ka-space-3);
        border: 2px solid var(--ka-border);
        border-left-width: 8px;
        background: var(--ka-surface);
        color: var(--ka-text);
      }
      :host([help]) button.kiosk {
        border-color: var(--ka-error);
        background: var(--ka-highlight-bg);
      }
      :host([selected]) button.kiosk {
        border-color: var(--ka-primary);
        border-left-color: var(--ka-primary);
        box-shadow: inset 0 0 0 2px var(--ka-primary);
        background: var(--ka-active-bg);
      }
      :host([selected][help]) button.kiosk {
        border-left-color: var(--ka-error);
      }
      .top {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: var(--ka-space-2);
      }
      .id {
        font-size: var(--ka-text-large);
        font-weight: 700;
        margin-right: auto;
      }
      .screen {
        font-weight: 700;
      }
      .state,
      .meta {
        color: var(--ka-text-muted);
      }
      .error {
        color: var(--ka-error);
        font-weight: 700;
      }
      .error .code {
        font-family: var(--ka-font-mono);
      }
      .meta {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: var(--ka-space-2);
        font-size: var(--ka-text-small);
        margin-top: var(--ka-space-1);
      }
      .selected-mark {
        font-size: var(--ka-text-small);
        font-weight: 700;
        color: var(--ka-primary);
      }
    `,
  ];

  protected override willUpdate(): void {
    this.help = this.entry !== undefined && needsStaff(this.entry.view);
  }

  override render() {
    if (!this.entry) return nothing;
    const { view, changedAt, answering } = this.entry;
    const s = staffStrings;
    return html`<button
      type="button"
      class="kiosk"
      aria-pressed=${this.selected ? 'true' : 'false'}
      data-kiosk=${view.kioskId}
      @click=${() => emit(this, 'ka-staff-kiosk-select', { kioskId: view.kioskId })}
    >
      <span class="top">
        <span class="id">${view.kioskId}</span>
        ${this.help ? html`<span class="badge help" data-badge="needsStaff">${icons.staff}${s.badges.needsStaff}</span>` : nothing}
        ${view.busy ? html`<span class="badge busy" data-badge="busy">${icons.clock}${s.badges.busy}</span>` : nothing}
        ${answering ? nothing : html`<span class="badge quiet" data-badge="silent">${icons.warning}${s.badges.silent}</span>`}
      </span>
      <span class="screen">${zh.screens[view.screen].title}</span>
      ${view.state ? html`<span class="state mono">${view.state}</span>` : nothing}
      ${view.card
        ? html`<span class="card">${icons.card} <span class="mono">${view.card.cardNumber}</span> · ${view.card.holderName}</span>`
        : nothing}
      ${view.error
        ? html`<span class="error">${icons.error} <span class="code">${view.error.code}</span>
            ${errorText(view.error.code, 'zh-TW')}</span>`
        : nothing}
      <span class="meta">
        ${view.deadline ? html`<ka-staff-countdown .deadline=${view.deadline}></ka-staff-countdown>` : nothing}
        <span>${s.fields.changedAt} ${formatTime(changedAt)}</span>
        ${this.selected ? html`<span class="selected-mark">▶ ${s.selected}</span>` : nothing}
      </span>
    </button>`;
  }
}

define('ka-staff-kiosk-card', KaStaffKioskCard);

declare global {
  interface HTMLElementTagNameMap {
    'ka-staff-kiosk-card': KaStaffKioskCard;
  }
}
