import { css, html, nothing } from 'lit';
import { ERRORS, type ErrorCode, type Remedy } from '../../../../machines/contract/errors.ts';
import { adviceText, failureAdvice, remedyOf, step3125 } from './failure-words.ts';
import { ACTIVATION_PATHS, type ActivationPath } from '../../../../machines/contract/screens.ts';
import { define } from '../../events.ts';
import { errorText } from '../../i18n.ts';
import { icons } from '../../styles/icons.ts';
import { ScreenElement } from '../screen-base.ts';

/**
 * An error the user cannot fix on an input screen: the catalogue's text, what to do next (by the
 * error's remedy), and the buttons the view accepts. The user sees only the manual's codes (3005,
 * 27011, 4931, 3125 with its RetCode); 客服專線, with every number the manual lists, only where
 * calling can help (the catalogue's `callHelps`). For WRONG_PATH the choose-path button offers the
 * path the card was issued by (the card's route, else the one not chosen). 3125 says which step
 * did not reach the CA (the view's `error.during`).
 *
 * @summary The error screen.
 * @fires ka-input-send - `user.choosePath {path}`, `user.reset`, `user.cancel`
 */
export class KaFailedScreen extends ScreenElement {
  static override styles = [
    ...ScreenElement.styles,
    css`
      .notice.error .title {
        font-size: var(--ka-text-large);
      }
      .code {
        font-size: var(--ka-text-small);
        color: var(--ka-text-muted);
      }
      .actions button.wide {
        flex-basis: 100%;
      }
      .service {
        margin-top: var(--ka-space-4);
      }
      h2 {
        font-size: var(--ka-text-large);
        margin: var(--ka-space-4) 0 var(--ka-space-2);
      }
    `,
  ];

  override render() {
    const error = this.view.error;
    const text = this.s.screens.failed;
    const remedy = remedyOf(this.view);
    const offersPath = this.accepts('user.choosePath');
    const cardNumber = this.view.card?.cardNumber;
    const callHelps = error !== undefined && ERRORS[error.code].callHelps === true;
    const forTheCall = error && callHelps ? this.s.forTheCall(error.code, cardNumber) : undefined;
    return html`<div class="content">
      ${this.heading(text.title)}
      <div class="notice error" role="alert">
        ${icons.error}
        <div>
          ${error ? html`<p class="title">${this.errorTitle(error.code)}</p>` : nothing}
          ${error?.attemptsLeft === undefined ? nothing : html`<p class="body">${this.s.attemptsLeft(error.attemptsLeft)}</p>`}
          ${error?.code === '3125' ? html`<p class="code ret-code">${this.s.retCode3125(cardNumber)}</p>` : nothing}
          ${forTheCall === undefined ? nothing : html`<p class="code for-the-call">${forTheCall}</p>`}
        </div>
      </div>
      <h2>${this.s.whatNext}</h2>
      <p class="lead">${adviceText(failureAdvice(this.view), this.s)}</p>
      ${this.mailIn()}
      <div class="actions">${this.renderActions(remedy, offersPath)}</div>
      ${callHelps ? this.customerService() : nothing}
    </div>`;
  }

  /** The catalogue's text; for 3125, what did not happen at the step where it happened. */
  private errorTitle(code: ErrorCode): string {
    const during = step3125(this.view);
    if (during !== undefined) return this.s.error3125(this.s.failed3125[during].what);
    return errorText(code, this.view.lang, this.path);
  }

  /** The manual's mail-in procedure for a card the kiosk cannot help with: 解卡 (27011) or 檢測 (unreadable). */
  private mailIn() {
    const code = this.view.error?.code;
    const procedure =
      code === '27011' ? this.s.mailIn.unlock : code === 'CARD_UNREADABLE' || code === 'UNKNOWN_CARD' ? this.s.mailIn.test : undefined;
    return procedure === undefined
      ? nothing
      : html`<div class="notice info mail-in">${icons.card}<p class="body">${procedure}</p></div>`;
  }

  private renderActions(remedy: Remedy, offersPath: boolean) {
    const b = this.s.buttons;
    const resetLabel = remedy === 'retry' ? b.retry : remedy === 'correctInput' ? b.reset : b.startOver;
    const resetIsMain = !offersPath && (remedy === 'retry' || remedy === 'correctInput' || remedy === 'startOver');
    // Staff are the next step: offered here as the main button, not only in the footer.
    const staffIsMain = remedy === 'staff';
    return html`${offersPath ? this.pathButtons() : nothing}
    ${staffIsMain
      ? this.action('user.callStaff', b.callStaff, () => this.send({ type: 'user.callStaff' }), { primary: true, icon: icons.staff })
      : nothing}
    ${this.action('user.reset', resetLabel, () => this.send({ type: 'user.reset' }), { primary: resetIsMain })}
    ${this.cancelAction()}`;
  }

  private pathButtons() {
    const right = this.view.card?.route ?? otherPath(this.view.path);
    const offered: readonly ActivationPath[] = right ? [right] : ACTIVATION_PATHS;
    return offered.map(
      (path) =>
        html`<button
          type="button"
          class="primary wide"
          data-event="user.choosePath"
          data-path=${path}
          @click=${() => this.send({ type: 'user.choosePath', path })}
        >
          ${this.s.buttons.switchPath(this.s.paths[path])}
        </button>`,
    );
  }
}

function otherPath(path: ActivationPath | undefined): ActivationPath | undefined {
  if (path === undefined) return undefined;
  return ACTIVATION_PATHS.find((p) => p !== path);
}

define('ka-failed-screen', KaFailedScreen);

declare global {
  interface HTMLElementTagNameMap {
    'ka-failed-screen': KaFailedScreen;
  }
}
