// The base of the staff console's elements that send requests for the signed-in staff member (the
// kiosk detail's actions, the card panel's lookup, unlock and return): which request is under way,
// so the element disables its controls, and, under the controls, how the last one ended — a success
// notice (role status) or an error notice (role alert) with what went wrong and why. Also the box
// that asks to confirm a destructive request first.
import { css, html, LitElement, nothing, type PropertyDeclarations } from 'lit';
import { icons } from '../src/styles/icons.ts';
import { consoleStyles } from '../consoles/styles.ts';
import type { StaffBackend } from './staff-client.ts';
import { describeRequestError, staffStrings } from './staff-strings.ts';

export type RequestOutcome = { kind: 'ok'; text: string } | { kind: 'error'; text: string; detail: string };

export abstract class StaffRequestElement<Operation extends string> extends LitElement {
  // Typed wide so that each element declares its own properties beside these (Lit merges them).
  static override properties: PropertyDeclarations = {
    staffId: { attribute: false },
    backend: { attribute: false },
    pending: { state: true },
    outcome: { state: true },
  };

  /** Who sends the requests. */
  declare staffId: string;
  declare backend: StaffBackend | undefined;
  /** The request under way. */
  declare pending: Operation | undefined;
  /** How the last request ended. */
  declare outcome: RequestOutcome | undefined;

  constructor() {
    super();
    this.staffId = '';
    this.backend = undefined;
    this.pending = undefined;
    this.outcome = undefined;
  }

  static override styles = [
    ...consoleStyles,
    css`
      :host {
        display: block;
      }
      .confirm {
        border: 2px solid var(--ka-error);
        background: var(--ka-error-bg);
        border-radius: var(--ka-radius);
        padding: var(--ka-space-3);
      }
      .confirm p {
        font-weight: 700;
      }
      .confirm .buttons {
        display: flex;
        gap: var(--ka-space-2);
        flex-wrap: wrap;
      }
      .notice {
        margin: var(--ka-space-3) 0 0;
      }
      .detail {
        font-size: var(--ka-text-small);
        color: var(--ka-text-muted);
        overflow-wrap: anywhere;
      }
    `,
  ];

  /**
   * Sends one request: `pending` names it while it runs, then `outcome` says how it ended. `body`
   * answers what to say on success (undefined: nothing). A failure names `label` when given
   * (「label」未能送出：…), else says only what went wrong.
   */
  protected async send(operation: Operation, label: string | undefined, body: (backend: StaffBackend) => Promise<string | undefined>): Promise<void> {
    const failed = label === undefined ? '' : staffStrings.actions.failed(label);
    if (!this.backend) {
      this.outcome = { kind: 'error', text: label === undefined ? staffStrings.requestError.heading : failed, detail: staffStrings.requestError.notConnected };
      return;
    }
    this.pending = operation;
    this.outcome = undefined;
    try {
      const done = await body(this.backend);
      if (done !== undefined) this.outcome = { kind: 'ok', text: done };
    } catch (error) {
      const { text, detail } = describeRequestError(error);
      this.outcome = { kind: 'error', text: `${failed}${text}`, detail };
    } finally {
      this.pending = undefined;
    }
  }

  protected renderOutcome() {
    const outcome = this.outcome;
    if (!outcome) return nothing;
    if (outcome.kind === 'ok') {
      return html`<div class="notice success" role="status">${icons.check}<p class="body">${outcome.text}</p></div>`;
    }
    return html`<div class="notice error" role="alert">
      ${icons.error}
      <div>
        <p class="title">${outcome.text}</p>
        <p class="detail">${outcome.detail}</p>
      </div>
    </div>`;
  }
}
