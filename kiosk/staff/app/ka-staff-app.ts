import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { define, emit } from '../../src/events.ts';
import { icons } from '../../src/styles/icons.ts';
import type { ConnectionState } from '../../consoles/connection.ts';
import { consoleStyles, consolePageStyles } from '../../consoles/styles.ts';
import { needsStaff, sortKiosks, type KioskEntry } from '../../consoles/kiosk-status.ts';
import type { StaffBackend } from '../staff-client.ts';
import { staffStrings } from '../staff-strings.ts';
import '../kiosk-card/ka-staff-kiosk-card.ts';
import '../kiosk-detail/ka-staff-kiosk-detail.ts';
import '../sign-in/ka-staff-sign-in.ts';
import '../return-slip/ka-staff-return-slip.ts';
import type { ReturnSlip } from '../return-slip/ka-staff-return-slip.ts';
import type { StaffAuthClient } from '../staff-auth-client.ts';
import { readStoredSession, storeSession, type StaffSession } from '../staff-session.ts';
import { formatTime } from '../staff-strings.ts';
import '../staff-events.ts';


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
    session: { attribute: false },
    auth: { attribute: false },
    enrollCode: { attribute: false },
    signInNotice: { attribute: false },
    slip: { attribute: false },
    selectedKioskId: { attribute: false },
    backend: { attribute: false },
    announcement: { state: true },
  };

  declare kiosks: ReadonlyMap<string, KioskEntry>;
  declare connection: ConnectionState;
  /** Why the console could not start (a bad config.json), shown as is. */
  declare problem: string | undefined;
  /** The signed-in staff member (staff token and who it names); none shows the sign-in screen. */
  declare session: StaffSession | undefined;
  declare auth: StaffAuthClient | undefined;
  declare enrollCode: string | undefined;
  declare signInNotice: string | undefined;
  /** A return slip on screen (print-ready) instead of the console. */
  declare slip: ReturnSlip | undefined;
  declare selectedKioskId: string | undefined;
  declare backend: StaffBackend | undefined;
  declare announcement: string;

  #needingStaff = new Set<string>();
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;

  get staffId(): string | undefined {
    return this.session?.staffId;
  }

  constructor() {
    super();
    this.kiosks = new Map();
    this.connection = 'offline';
    this.problem = undefined;
    this.session = readStoredSession();
    this.auth = undefined;
    this.enrollCode = undefined;
    this.signInNotice = undefined;
    this.slip = undefined;
    this.selectedKioskId = undefined;
    this.backend = undefined;
    this.announcement = '';
    this.addEventListener('ka-staff-kiosk-select', (event) => (this.selectedKioskId = event.detail.kioskId));
    this.addEventListener('ka-staff-signed-in', (event) => {
      this.signInNotice = undefined;
      this.session = event.detail.session;
    });
    this.addEventListener('ka-staff-return-slip', (event) => (this.slip = event.detail.slip));
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
      .slip-page {
        padding: var(--ka-space-4);
        overflow: auto;
      }
      .slip-page .buttons {
        display: flex;
        gap: var(--ka-space-2);
        justify-content: center;
        margin-bottom: var(--ka-space-4);
      }
      @media print {
        header,
        .banner,
        .slip-page .buttons {
          display: none !important;
        }
        .slip-page {
          padding: 0;
        }
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
        ${this.session !== undefined
          ? html`<span class="who">
                ${icons.staff}${s.signIn.signedInAs}：<strong data-staff-id>${this.session.name}（${this.session.staffId}）</strong>
                <span class="until" data-session-until>${s.signIn.until(formatTime(this.session.expiresAt))}</span>
                <button type="button" data-sign-out @click=${() => this.signOut()}>${s.signIn.signOut}</button>
              </span>
              <button type="button" data-rediscover @click=${() => emit(this, 'ka-staff-rediscover', {})}>${s.rediscover}</button>`
          : nothing}
      </header>
      ${this.problem ? html`<div class="notice error banner" role="alert">${icons.error}<p class="body">${this.problem}</p></div>` : nothing}
      ${this.session === undefined
        ? html`<ka-staff-sign-in .auth=${this.auth} .enrollCode=${this.enrollCode} .notice=${this.signInNotice}></ka-staff-sign-in>`
        : this.slip
          ? this.renderSlip(this.slip)
          : this.renderConsole()}
      <p class="visually-hidden" role="status" aria-live="polite">${this.announcement}</p>`;
  }

  private renderSlip(slip: ReturnSlip) {
    return html`<section class="slip-page" aria-label="寄回單">
      <div class="buttons">
        <button type="button" class="primary" data-print @click=${() => window.print()}>列印寄回單</button>
        <button type="button" data-close-slip @click=${() => (this.slip = undefined)}>返回服務台</button>
      </div>
      <ka-staff-return-slip .slip=${slip}></ka-staff-return-slip>
    </section>`;
  }

  /**
   * Ends the session here and, when staff sign out by choice, at the hub too (the token is refused
   * everywhere from then on); `notice` says why, if not by choice (expired, refused: nothing to end).
   */
  signOut(notice?: string): void {
    if (notice === undefined && this.session) void this.auth?.signOut?.(this.session.token).catch(() => undefined);
    this.session = undefined;
    this.slip = undefined;
    this.signInNotice = notice;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has('session')) return;
    storeSession(this.session);
    clearTimeout(this.#expiryTimer);
    if (this.session) {
      // Signed out when the token expires, not at the next refused request.
      const left = Date.parse(this.session.expiresAt) - Date.now();
      this.#expiryTimer = setTimeout(() => this.signOut(s.signIn.expired), Math.max(0, Math.min(left, 2 ** 31 - 1)));
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#expiryTimer);
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

}

define('ka-staff-app', KaStaffApp);

declare global {
  interface HTMLElementTagNameMap {
    'ka-staff-app': KaStaffApp;
  }
}
