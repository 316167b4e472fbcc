import { css, html, LitElement, nothing } from 'lit';
import { define, emit } from '../../src/events.ts';
import { icons } from '../../src/styles/icons.ts';
import { consoleStyles } from '../console-styles.ts';
import { staffStrings } from '../staff-strings.ts';
import '../staff-events.ts';

/** The contract's bound on `staffId` in a staff event. */
export const STAFF_ID_MAX_LENGTH = 64;

/**
 * Asks the person at the console for their staff id, once per browser session. It is not a
 * login: in the embedded default anyone at the desk may act, and production limits who may
 * publish staff events with NATS accounts and permissions.
 *
 * @summary The staff id prompt.
 * @fires ka-staff-id-set - `{staffId}` once a valid id is entered
 */
export class KaStaffIdForm extends LitElement {
  static override properties = {
    value: {},
    invalid: { state: true },
  };

  declare value: string;
  declare invalid: boolean;

  constructor() {
    super();
    this.value = '';
    this.invalid = false;
  }

  static override styles = [
    ...consoleStyles,
    css`
      :host {
        display: block;
        max-width: 520px;
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
        display: flex;
        gap: var(--ka-space-2);
        align-items: flex-end;
        flex-wrap: wrap;
        margin-top: var(--ka-space-3);
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 2px;
        font-weight: 700;
        flex: 1;
      }
      input[aria-invalid='true'] {
        border-color: var(--ka-error);
        border-width: 3px;
      }
      .field-error {
        color: var(--ka-error);
        font-weight: 700;
        margin-top: var(--ka-space-2);
      }
    `,
  ];

  override render() {
    const s = staffStrings.staffId;
    return html`<h2 id="staff-id-title">${s.heading}</h2>
      <p class="hint">${s.explain}</p>
      <form @submit=${this.onSubmit} novalidate aria-labelledby="staff-id-title">
        <label>
          ${s.label}
          <input
            type="text"
            name="staffId"
            autocomplete="username"
            maxlength=${STAFF_ID_MAX_LENGTH}
            .value=${this.value}
            aria-invalid=${this.invalid ? 'true' : 'false'}
            aria-describedby=${this.invalid ? 'staff-id-error' : nothing}
            @input=${(event: Event) => (this.value = (event.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="primary">${s.submit}</button>
      </form>
      ${this.invalid ? html`<p class="field-error" id="staff-id-error">${icons.error} ${s.invalid}</p>` : nothing}`;
  }

  override firstUpdated(): void {
    this.renderRoot.querySelector('input')?.focus();
  }

  private readonly onSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    const staffId = this.value.trim();
    this.invalid = staffId.length === 0 || staffId.length > STAFF_ID_MAX_LENGTH;
    if (this.invalid) {
      this.renderRoot.querySelector('input')?.focus();
      return;
    }
    emit(this, 'ka-staff-id-set', { staffId });
  };
}

define('ka-staff-id-form', KaStaffIdForm);

declare global {
  interface HTMLElementTagNameMap {
    'ka-staff-id-form': KaStaffIdForm;
  }
}
