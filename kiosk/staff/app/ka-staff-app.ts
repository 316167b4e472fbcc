import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { define, emit } from '../../src/events.ts';
import { icons } from '../../src/styles/icons.ts';
import type { ConnectionState } from '../console-connection.ts';
import { consoleStyles, consolePageStyles } from '../console-styles.ts';
import { needsStaff, sortKiosks, type KioskEntry } from '../kiosk-status.ts';
import type { StaffBackend } from '../staff-client.ts';
import { staffStrings } from '../staff-strings.ts';
import '../kiosk-card/ka-staff-kiosk-card.ts';
import '../kiosk-detail/ka-staff-kiosk-detail.ts';
import '../staff-id/ka-staff-id-form.ts';
import '../staff-events.ts';

/** Where the staff id is kept: for this browser tab's session only. */
export const STAFF_ID_STORAGE_KEY = 'ka-staff-id';

const s = staffStrings;

/**
 * The staff console page: every kiosk live (those needing staff first and highlighted), the
 * selected kiosk's details and actions, and the card panel. It renders what it is given; a
 * `StaffController` feeds it from NATS, tests and screenshots set the properties directly.
 *
 * @summary The counter staff's console.
 * @fires ka-staff-rediscover - staff asked to look for kiosks again
 */
export class KaStaffApp extends LitElement {
  static override properties = {
    kiosks: { attribute: false },
    connection: { reflect: true },
    problem: { attribute: false },
    staffId: { attribute: false },
    selectedKioskId: { attribute: false },
    backend: { attribute: false },
    announcement: { state: true },
  };

  declare kiosks: ReadonlyMap<string, KioskEntry>;
  declare connection: ConnectionState;
  /** Why the console could not start (a bad config.json), shown as is. */
  declare problem: string | undefined;
  declare staffId: string | undefined;
  declare selectedKioskId: string | undefined;
  declare backend: StaffBackend | undefined;
  declare announcement: string;

  #needingStaff = new Set<string>();

  constructor() {
    super();
    this.kiosks = new Map();
    this.connection = 'offline';
    this.problem = undefined;
    this.staffId = readStoredStaffId();
    this.selectedKioskId = undefined;
    this.backend = undefined;
    this.announcement = '';
    this.addEventListener('ka-staff-kiosk-select', (event) => (this.selectedKioskId = event.detail.kioskId));
    this.addEventListener('ka-staff-id-set', (event) => {
      this.staffId = event.detail.staffId;
      sessionStorage.setItem(STAFF_ID_STORAGE_KEY, event.detail.staffId);
    });
  }

  static override styles = [
    ...consoleStyles,
    consolePageStyles,
    css`
      header .badge {
        background: var(--ka-surface);
      }
      header .who {
        display: flex;
        align-items: center;
        gap: var(--ka-space-2);
      }
      header button {
        border-color: var(--ka-brand-text);
        background: transparent;
        color: var(--ka-brand-text);
      }
      .banner {
        margin: 0;
        border-radius: 0;
        border-width: 0 0 2px;
      }
      main {
        flex: 1;
        min-height: 0;
        display: grid;
        grid-template-columns: minmax(340px, 5fr) minmax(420px, 6fr);
      }
      .list,
      .detail {
        overflow: auto;
        padding: var(--ka-space-4) var(--ka-space-5);
      }
      .list {
        border-right: 2px solid #c7ced8;
      }
      .list h2 {
        display: flex;
        gap: var(--ka-space-2);
        align-items: center;
      }
      .list ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
        gap: var(--ka-space-3);
      }
      .count {
        font-size: var(--ka-text-small);
        font-weight: 400;
        color: var(--ka-text-muted);
      }
    `,
  ];

  override render() {
    return html`<header>
        <h1>${s.title}</h1>
        ${this.renderConnection()}
        ${this.staffId !== undefined
          ? html`<span class="who">
                ${icons.staff}${s.staffId.current}：<strong data-staff-id>${this.staffId}</strong>
                <button type="button" data-change-staff @click=${this.changeStaff}>${s.staffId.change}</button>
              </span>
              <button type="button" data-rediscover @click=${() => emit(this, 'ka-staff-rediscover', {})}>${s.rediscover}</button>`
          : nothing}
      </header>
      ${this.problem ? html`<div class="notice error banner" role="alert">${icons.error}<p class="body">${this.problem}</p></div>` : nothing}
      ${this.staffId === undefined ? html`<ka-staff-id-form></ka-staff-id-form>` : this.renderConsole()}
      <p class="visually-hidden" role="status" aria-live="polite">${this.announcement}</p>`;
  }

  private renderConnection() {
    const state = this.connection;
    const kind = state === 'connected' ? 'ok' : state === 'disconnected' ? 'help' : 'quiet';
    const icon = state === 'connected' ? icons.check : state === 'disconnected' ? icons.warning : icons.clock;
    return html`<span class="badge ${kind}" data-connection=${state}>${icon}${s.connection[state]}</span>`;
  }

  private renderConsole() {
    const sorted = sortKiosks(this.kiosks.values());
    const helpCount = sorted.filter((entry) => needsStaff(entry.view)).length;
    const selected = this.selectedKioskId === undefined ? undefined : this.kiosks.get(this.selectedKioskId);
    return html`<main>
      <section class="list" aria-labelledby="kiosks-title">
        <h2 id="kiosks-title">
          ${s.kiosks}
          <span class="count">${s.kioskCount(sorted.length, helpCount)}</span>
        </h2>
        ${sorted.length === 0
          ? html`<p class="hint">${s.noKiosks}</p>`
          : html`<ul>
              ${repeat(
                sorted,
                (entry) => entry.view.kioskId,
                (entry) => html`<li>
                  <ka-staff-kiosk-card .entry=${entry} ?selected=${entry.view.kioskId === this.selectedKioskId}></ka-staff-kiosk-card>
                </li>`,
              )}
            </ul>`}
      </section>
      <section class="detail" aria-label=${selected ? selected.view.kioskId : s.selectHint}>
        <ka-staff-kiosk-detail .entry=${selected} .staffId=${this.staffId ?? ''} .backend=${this.backend}></ka-staff-kiosk-detail>
      </section>
    </main>`;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('kiosks')) return;
    const now = new Set([...this.kiosks.values()].filter((entry) => needsStaff(entry.view)).map((entry) => entry.view.kioskId));
    const fresh = [...now].filter((id) => !this.#needingStaff.has(id));
    if (fresh.length > 0) this.announcement = `${fresh.join('、')} ${s.badges.needsStaff}`;
    this.#needingStaff = now;
    document.title = now.size > 0 ? `(${now.size}) ${s.title}` : s.title;
  }

  private readonly changeStaff = (): void => {
    sessionStorage.removeItem(STAFF_ID_STORAGE_KEY);
    this.staffId = undefined;
  };
}

function readStoredStaffId(): string | undefined {
  try {
    return sessionStorage.getItem(STAFF_ID_STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

define('ka-staff-app', KaStaffApp);

declare global {
  interface HTMLElementTagNameMap {
    'ka-staff-app': KaStaffApp;
  }
}
