import { css, html, LitElement, nothing } from 'lit';
import { define, emit } from '../../src/events.ts';
import { icons } from '../../src/styles/icons.ts';
import { STAFF_ID_PATTERN } from '../../../machines/contract/staff.ts';
import { consoleStyles } from '../../consoles/styles.ts';
import { WrongOriginError, type StaffAuthClient } from '../staff-auth-client.ts';
import { describeRequestError, staffStrings } from '../staff-strings.ts';
import '../staff-events.ts';

const s = staffStrings.signIn;

/**
 * Staff sign-in with a passkey or security key (WebAuthn), and, with an enrollment code from the
 * operator (`#enroll=…` in the link), registering one first.
 *
 * @summary The staff sign-in screen.
 * @fires ka-staff-signed-in - `{session}` after a verified sign-in
 */
export class KaStaffSignIn extends LitElement {
  static override properties = {
    auth: { attribute: false },
    enrollCode: { attribute: false },
    notice: { attribute: false },
    staffId: { state: true },
    busy: { state: true },
    message: { state: true },
  };

  declare auth: StaffAuthClient | undefined;
  /** From the enrollment link; cleared once used. */
  declare enrollCode: string | undefined;
  /** Why the last session ended (expired, refused), shown above the form. */
  declare notice: string | undefined;
  declare staffId: string;
  declare busy: boolean;
  declare message: { kind: 'ok' | 'error'; text: string; detail?: string } | undefined;

  constructor() {
    super();
    this.auth = undefined;
    this.enrollCode = undefined;
    this.notice = undefined;
    this.staffId = '';
    this.busy = false;
    this.message = undefined;
  }

  static override styles = [
    ...consoleStyles,
    css`
      :host {
        display: block;
        max-width: 560px;
        margin: var(--ka-space-5) auto;
        padding: var(--ka-space-5);
        background: var(--ka-surface);
        border: 1px solid #c7ced8;
        border-radius: var(--ka-radius);
      }
      h2 {
        font-size: var(--ka-text-h1);
      }
      form {
        display: grid;
        gap: var(--ka-space-3);
        margin-top: var(--ka-space-3);
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 2px;
        font-weight: 700;
      }
      .notice {
        margin-top: var(--ka-space-3);
      }
    `,
  ];

  override render() {
    const enrolling = this.enrollCode !== undefined;
    return html`<h2 id="sign-in-title">${enrolling ? s.enrollHeading : s.heading}</h2>
      <p class="hint">${enrolling ? s.enrollExplain : s.explain}</p>
      ${this.notice ? html`<div class="notice help" role="status">${icons.warning}<p class="body">${this.notice}</p></div>` : nothing}
      ${enrolling
        ? html`<form @submit=${this.onEnroll} aria-labelledby="sign-in-title">
            <button type="submit" class="primary" ?disabled=${this.busy || !this.auth}>${s.enrollButton}</button>
          </form>`
        : html`<form @submit=${this.onSignIn} novalidate aria-labelledby="sign-in-title">
            <label>
              ${s.staffIdOptional}
              <input
                type="text"
                name="staffId"
                autocomplete="username webauthn"
                maxlength="32"
                .value=${this.staffId}
                @input=${(event: Event) => (this.staffId = (event.target as HTMLInputElement).value)}
              />
            </label>
            <button type="submit" class="primary" ?disabled=${this.busy || !this.auth}>${s.button}</button>
          </form>`}
      ${this.message
        ? html`<div class="notice ${this.message.kind === 'ok' ? 'ok' : 'error'}" role=${this.message.kind === 'ok' ? 'status' : 'alert'}>
            ${this.message.kind === 'ok' ? icons.check : icons.error}
            <p class="body">${this.message.text}${this.message.detail ? html`<br /><small>${this.message.detail}</small>` : nothing}</p>
          </div>`
        : nothing}`;
  }

  private readonly onSignIn = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const staffId = this.staffId.trim();
    if (staffId !== '' && !STAFF_ID_PATTERN.test(staffId)) {
      this.message = { kind: 'error', text: s.badStaffId };
      return;
    }
    await this.attempt(async (auth) => {
      const session = await auth.signIn(staffId === '' ? undefined : staffId);
      emit(this, 'ka-staff-signed-in', { session });
    });
  };

  private readonly onEnroll = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const code = this.enrollCode;
    if (code === undefined) return;
    await this.attempt(async (auth) => {
      const enrolled = await auth.enroll(code);
      this.enrollCode = undefined;
      this.staffId = enrolled.staffId;
      if (location.hash.startsWith('#enroll=')) history.replaceState(null, '', location.pathname + location.search);
      this.message = { kind: 'ok', text: `${s.enrolled(enrolled.name, enrolled.staffId)}${s.authenticatorPolicy[enrolled.authenticators]}` };
    });
  };

  private async attempt(work: (auth: StaffAuthClient) => Promise<void>): Promise<void> {
    if (!this.auth) return;
    this.busy = true;
    this.message = undefined;
    try {
      await work(this.auth);
    } catch (error) {
      if (error instanceof WrongOriginError) this.message = { kind: 'error', text: s.wrongOrigin(error.origin) };
      else this.message = { kind: 'error', ...describeRequestError(error) };
    } finally {
      this.busy = false;
    }
  }
}

define('ka-staff-sign-in', KaStaffSignIn);

declare global {
  interface HTMLElementTagNameMap {
    'ka-staff-sign-in': KaStaffSignIn;
  }
}
